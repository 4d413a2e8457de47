#include "iso_time.h"

#include <cstdio>

namespace meterhub {

namespace {

// Days since 1970-01-01 -> civil date, proleptic Gregorian (the well-known era/day-of-era
// decomposition), so no libc time zone state is involved.
void civil_from_days(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned mp = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = static_cast<int64_t>(year_of_era) + era * 400 + (*month <= 2);
}

}  // namespace

std::string iso8601_utc(int64_t epoch_seconds) {
    int64_t days = epoch_seconds / 86400;
    int64_t rest = epoch_seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    char text[32];
    std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(year), month, day,
                  static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
    return text;
}

bool is_plausible_utc(int64_t epoch_seconds) { return epoch_seconds >= 1577836800; }  // 2020-01-01

}  // namespace meterhub
