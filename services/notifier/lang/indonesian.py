"""Bahasa Indonesia: the original bot's wording is kept word for word where it existed."""

MESSAGES: dict[str, str] = {
    "capturing": "📸 Mengambil gambar...",
    "balance": "✅ Sisa token kamu:\n{value}",
    "days_left": "≈ {days} hari lagi, ±{spread} (pemakaian {use}/hari selama {span} hari terakhir)",
    "days_left_rough": "≈ {days} hari lagi (pemakaian {use}/hari selama {span} hari terakhir)",
    "of_device": "📟 {name}",
    "scheduled_header": "🤖 Pengecekan otomatis jam {time}",
    "read_failed": "❌ Gagal membaca angka dari gambar.",
    "reason": "Alasan: {reason}",
    "camera_silent": "⌛ Kamera tidak menjawab dalam {seconds} detik.",
    "last_known": "Nilai terakhir: {value} ({age})",
    "no_value_yet": "Belum ada nilai yang tercatat.",
    "no_prepaid": "❌ Tidak ada meter token (prabayar) berkamera di konfigurasi.",
    "unknown_device": "❌ Meter tidak dikenal: {device}. Pilihan: {choices}",
    "age_now": "baru saja",
    "age_s": "{n} detik lalu",
    "age_min": "{n} menit lalu",
    "age_h": "{n} jam lalu",
    "age_d": "{n} hari lalu",
    "photo_caption": "📷 Gambar terakhir",
    "photo_detail": "{name} · {age}",
    "photo_missing": "❌ Gambar belum tersedia.",
    "schedule_updated": "✅ Jadwal diperbarui:\n{times}",
    "and": " dan ",
    "setjadwal_usage": "❌ Format salah. Gunakan:\n/setjadwal 12:00 23:59",
    "schedule_list": "🕒 Pengecekan otomatis ({zone}):\n{times}",
    "schedule_empty": "🕒 Tidak ada pengecekan otomatis. Tambah dengan /schedule add 12:00",
    "schedule_usage": (
        "❌ Format salah. Gunakan:\n/schedule — lihat jadwal\n/schedule add 12:00\n"
        "/schedule remove 12:00"
    ),
    "status_header": "📊 Status meter",
    "status_line": "{icon} {name} ({age}): {values}",
    "status_never": "⚪ {name}: belum ada data",
    "status_cost": "💶 Biaya: hari ini {today}, bulan ini {month}, bulan lalu {last}",
    "status_capacity": "⚡ Puncak bulan ini menambah {peak} ke tagihan setahun; kuartal ini akan "
    "menambah {quarter} jika berakhir sesuai prediksi{unconfirmed}",
    "price_unconfirmed": " (harga kapasitas bawaan Fluvius {region}: mohon konfirmasi)",
    "history_caption": "📈 {name}: 7 hari terakhir",
    "history_empty": "❌ Belum ada riwayat untuk {name}.",
    "history_usage": "❌ Format salah. Gunakan:\n/history atau /history {example}",
    "chart_balance": "Sisa token (kWh)",
    "chart_daily": "Pemakaian per hari ({unit})",
    "peak": "⚡ {name}\nPuncak bulan ini: {peak}\nKuartal sekarang: {quarter}\n"
    "Perkiraan akhir kuartal: {projected} ({age})",
    "peak_none": "❌ Belum ada data puncak daya (meter P1).",
    "token_confirm": "🔑 Ketik token ini di meter {name}?\n{token}",
    "button_yes": "✅ Ya, ketik",
    "button_no": "✖ Batal",
    "token_cancelled": "✖ Token dibatalkan:\n{token}",
    "token_expired": "⌛ Konfirmasi kedaluwarsa; kirim /token lagi.",
    "token_sent": "📤 Token dikirim ke penekan keypad...\n{token}",
    "token_queued": "⏳ Token dalam antrean...\n{token}",
    "token_typing": "⌨️ Sedang mengetik token...\n{token}",
    "token_typed": "✅ Token sudah diketik, menunggu saldo baru...\n{token}",
    "token_verified": "✅ Token diterima meter.\n{token}",
    "token_failed": "❌ Token gagal.\n{token}",
    "token_detail": "{detail}",
    "token_no_answer": "⚠️ Penekan keypad tidak menjawab dalam {seconds} detik.\n{token}",
    "token_usage": "❌ Format salah. Gunakan:\n/token 1234 5678 9012 3456 7890 (20 angka)",
    "language_set": "✅ Bahasa: Indonesia",
    "language_usage": "❌ Format salah. Gunakan:\n/language id, /language en, /language nl atau "
    "/language de",
    "refused": "🙏 Maaf, bot ini pribadi dan hanya melayani pemiliknya. (chat id {chat_id})",
    "unknown_command": "❓ Perintah tidak dikenal.",
    "error": "⚠️ Terjadi kesalahan; sudah dicatat di log. Coba lagi sebentar lagi.",
    "not_a_command": "Ketik /help untuk daftar perintah.",
    "help_header": "🤖 Meterhub — perintah:",
    "help_cektoken": "cek sisa token sekarang (foto baru)",
    "help_status": "semua meter: nilai terakhir dan umurnya",
    "photo_correct_hint": (
        "Salah atau tidak terbaca? Balas foto ini dengan /koreksi <angka di layar>."
    ),
    "help_correct": "balas sebuah foto: angka yang sebenarnya di layar (mengajari pembaca)",
    "correct_usage": "✏️ Balas foto dari /foto dengan /koreksi <angka>, misalnya /koreksi 126,95",
    "correct_reply": (
        "✏️ Kirim /koreksi <angka> sebagai balasan ke foto dari /foto, agar "
        "saya tahu gambar yang dimaksud."
    ),
    "correct_gone": "❌ Gambar itu sudah tidak disimpan. Minta yang baru dengan /foto.",
    "correct_bad": "❌ Tidak diterima: {reason}.",
    "correct_done": (
        "✅ {name}: {label} disimpan sebagai bacaan manual, dan gambarnya disimpan untuk belajar."
    ),
    "help_photo": "gambar terakhir dari kamera",
    "help_history": "grafik 7 hari terakhir",
    "help_peak": "puncak daya bulan ini dan kuartal sekarang (P1)",
    "help_schedule": "jadwal pengecekan otomatis: lihat, add, remove",
    "help_setjadwal": "ganti semua jadwal, mis. /setjadwal 12:00 23:59",
    "help_token": "ketik token 20 angka di meter",
    "help_language": "bahasa: id, en, nl atau de",
    "help_start": "cek bot aktif, lalu daftar perintah",
    "help_help": "daftar perintah ini",
    "bot_active": "✅ Bot aktif.",
    "alert_low_balance": "🪫 Token hampir habis: sisa {value}",
    "alert_low_days": "≈ {days} hari lagi dengan pemakaian sekarang",
    "alert_offline": "📴 {name} tidak mengirim data selama lebih dari {minutes} menit ({age}).",
    "alert_online": "✅ {name} kembali mengirim data.",
    "alert_rejects": "📷 {name}: {count} gambar berturut-turut tidak terbaca.\nAlasan terakhir: "
    "{reason}",
    "alert_capacity": "⚡ {name}: kuartal ini menuju {projected}, di atas puncak bulan ini "
    "{peak}. Kurangi pemakaian sampai {end}.",
    "alert_beep": "🔊 Token hampir habis — suara bip terdeteksi!",
    "alert_reading_jumped": "↕️ {name}: angka meter melompat dari {old} ke {new}. Beberapa "
    "foto yang saling cocok menggantikan nilai tersimpan; kalau {new} salah, kirim angka "
    "yang benar sebagai koreksi.",
    "online": "🟢",
    "offline": "🔴",
}

QUANTITY_LABELS: dict[str, str] = {
    "token_balance_kwh": "Sisa token",
    "power_w": "Daya",
    "power_import_w": "Daya impor",
    "power_export_w": "Daya ekspor",
    "energy_import_kwh": "Energi impor",
    "energy_export_kwh": "Energi ekspor",
    "quarter_avg_power_w": "Rata-rata kuartal",
    "month_peak_power_w": "Puncak bulan ini",
    "gas_m3": "Gas",
    "water_m3": "Air",
}
