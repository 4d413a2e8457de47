// A simulated DSMR 5 meter for the host tests and device_sim: one telegram per call, with
// the meter's own time (Belgian winter time, "W"), an import counter and the power, CRC'd.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include "crc16_arc.h"

namespace simp1 {

struct Meter {
    int64_t utc = 1768467600;  // 2026-01-15T09:00:00Z
    uint32_t step_s = 10;      // meter time between two telegrams
    double import_kwh = 1234.5;

    double power_kw() const { return 1.2 + 0.8 * std::sin(static_cast<double>(utc) / 1700.0); }

    std::string next() {
        const double kw = power_kw();
        const time_t local = static_cast<time_t>(utc + 3600);
        std::tm t{};
        gmtime_r(&local, &t);
        char body[512];
        std::snprintf(body, sizeof body,
                      "/MHS5\\2SIMULATED\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(%02d%02d%02d%02d%02d%02dW)\r\n"
                      "0-0:96.1.1(4D48534D303031)\r\n1-0:1.8.1(%010.3f*kWh)\r\n1-0:1.8.2(000000.000*kWh)\r\n"
                      "1-0:2.8.1(000000.000*kWh)\r\n1-0:2.8.2(000000.000*kWh)\r\n0-0:96.14.0(0001)\r\n"
                      "1-0:1.7.0(%06.3f*kW)\r\n1-0:2.7.0(00.000*kW)\r\n!",
                      t.tm_year % 100, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, import_kwh, kw);
        std::string text(body);
        char crc[8];
        std::snprintf(crc, sizeof crc, "%04X\r\n",
                      meterhub::crc16_arc(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
        utc += step_s;
        import_kwh += kw * step_s / 3600.0;
        return text + crc;
    }
};

}  // namespace simp1
