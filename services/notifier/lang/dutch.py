"""Nederlands (as a Flemish P1 household reads it: afname, injectie, piekvermogen)."""

MESSAGES: dict[str, str] = {
    "capturing": "📸 Foto nemen...",
    "balance": "✅ Je resterende saldo:\n{value}",
    "days_left": "≈ nog {days} dagen, ±{spread} (verbruik {use}/dag over de laatste {span} dagen)",
    "days_left_rough": "≈ nog {days} dagen (verbruik {use}/dag over de laatste {span} dagen)",
    "of_device": "📟 {name}",
    "scheduled_header": "🤖 Automatische controle om {time}",
    "read_failed": "❌ De cijfers op de foto konden niet gelezen worden.",
    "reason": "Reden: {reason}",
    "camera_silent": "⌛ De camera antwoordde niet binnen {seconds} s.",
    "last_known": "Laatst gekende waarde: {value} ({age})",
    "no_value_yet": "Nog geen waarde opgeslagen.",
    "no_prepaid": "❌ Er is geen prepaid-meter met camera ingesteld.",
    "unknown_device": "❌ Onbekende meter: {device}. Kies uit: {choices}",
    "age_now": "net nu",
    "age_s": "{n} s geleden",
    "age_min": "{n} min geleden",
    "age_h": "{n} u geleden",
    "age_d": "{n} dagen geleden",
    "photo_caption": "📷 Laatste foto",
    "photo_detail": "{name} · {age}",
    "photo_missing": "❌ Nog geen foto.",
    "schedule_updated": "✅ Planning bijgewerkt:\n{times}",
    "and": " en ",
    "setjadwal_usage": "❌ Verkeerd formaat. Gebruik:\n/setjadwal 12:00 23:59",
    "schedule_list": "🕒 Automatische controles ({zone}):\n{times}",
    "schedule_empty": "🕒 Geen automatische controles. Voeg er een toe met /schedule add 12:00",
    "schedule_usage": (
        "❌ Verkeerd formaat. Gebruik:\n/schedule — toon de planning\n/schedule add 12:00\n"
        "/schedule remove 12:00"
    ),
    "status_header": "📊 Stand van de meters",
    "status_line": "{icon} {name} ({age}): {values}",
    "status_never": "⚪ {name}: nog geen gegevens",
    "status_cost": "💶 Kosten: vandaag {today}, deze maand {month}, vorige maand {last}",
    "status_capacity": "⚡ De piek van deze maand voegt {peak} toe aan de jaarfactuur "
    "(capaciteitstarief); dit kwartier zou {quarter} toevoegen als het eindigt zoals "
    "verwacht{unconfirmed}",
    "price_unconfirmed": " (standaardprijs capaciteitstarief van Fluvius {region}: bevestig ze)",
    "history_caption": "📈 {name}: laatste 7 dagen",
    "history_empty": "❌ Nog geen geschiedenis voor {name}.",
    "history_usage": "❌ Verkeerd formaat. Gebruik:\n/history of /history {example}",
    "chart_balance": "Saldo (kWh)",
    "chart_daily": "Verbruik per dag ({unit})",
    "peak": "⚡ {name}\nPiekvermogen deze maand: {peak}\nDit kwartier tot nu: {quarter}\n"
    "Verwacht op het einde: {projected} ({age})",
    "peak_none": "❌ Nog geen gegevens over piekvermogen (P1-meter).",
    "token_confirm": "🔑 Deze token intikken op meter {name}?\n{token}",
    "button_yes": "✅ Ja, intikken",
    "button_no": "✖ Annuleren",
    "token_cancelled": "✖ Token geannuleerd:\n{token}",
    "token_expired": "⌛ Deze bevestiging is verlopen; stuur /token opnieuw.",
    "token_sent": "📤 Token doorgestuurd naar de toetsenbordrobot...\n{token}",
    "token_queued": "⏳ Token in de wachtrij...\n{token}",
    "token_typing": "⌨️ Token wordt ingetikt...\n{token}",
    "token_typed": "✅ Token ingetikt, wachten op het nieuwe saldo...\n{token}",
    "token_verified": "✅ De meter heeft de token aanvaard.\n{token}",
    "token_failed": "❌ De token is mislukt.\n{token}",
    "token_detail": "{detail}",
    "token_no_answer": "⚠️ De toetsenbordrobot antwoordde niet binnen {seconds} s.\n{token}",
    "token_usage": "❌ Verkeerd formaat. Gebruik:\n/token 1234 5678 9012 3456 7890 (20 cijfers)",
    "language_set": "✅ Taal: Nederlands",
    "language_usage": "❌ Verkeerd formaat. Gebruik:\n/language id, /language en, /language nl of "
    "/language de",
    "refused": "🙏 Sorry, dit is een privébot die alleen zijn eigenaar helpt. (chat-id {chat_id})",
    "unknown_command": "❓ Onbekend commando.",
    "error": "⚠️ Er ging iets mis; het is gelogd. Probeer het zo dadelijk opnieuw.",
    "not_a_command": "Stuur /help voor de lijst met commando's.",
    "help_header": "🤖 Meterhub — commando's:",
    "help_cektoken": "saldo nu controleren (nieuwe foto)",
    "help_status": "elke meter: laatste waarde en hoe oud ze is",
    "help_photo": "laatste foto van de camera",
    "help_history": "grafiek van de laatste 7 dagen",
    "help_peak": "piekvermogen van deze maand en het lopende kwartier (P1)",
    "help_schedule": "automatische controles: tonen, toevoegen, verwijderen",
    "help_setjadwal": "alle controles vervangen, bv. /setjadwal 12:00 23:59",
    "help_token": "een token van 20 cijfers op de meter intikken",
    "help_language": "taal: id, en, nl of de",
    "help_start": "staat de bot aan? daarna deze lijst",
    "help_help": "deze lijst",
    "bot_active": "✅ Bot actief.",
    "alert_low_balance": "🪫 Saldo raakt op: nog {value}",
    "alert_low_days": "≈ nog {days} dagen bij het huidige verbruik",
    "alert_offline": "📴 {name} heeft al meer dan {minutes} min niets gestuurd ({age}).",
    "alert_online": "✅ {name} meldt zich weer.",
    "alert_rejects": "📷 {name}: {count} foto's na elkaar konden niet gelezen worden.\n"
    "Laatste reden: {reason}",
    "alert_capacity": "⚡ {name}: dit kwartier gaat naar {projected}, boven de maandpiek van "
    "{peak}. Hou je in tot {end}.",
    "alert_beep": "🔊 Saldo bijna op — de meter piept!",
    "photo_correct_hint": (
        "Fout of niet gelezen? Antwoord op deze foto met /correct <getoonde waarde>."
    ),
    "help_correct": (
        "als antwoord op een foto: de waarde die het display echt toont (leert de lezer bij)"
    ),
    "correct_usage": (
        "✏️ Antwoord op een foto van /photo met /correct <waarde>, bv. /correct 126,95"
    ),
    "correct_reply": (
        "✏️ Stuur /correct <waarde> als antwoord op een foto van /photo, zodat ik weet "
        "welke foto je bedoelt."
    ),
    "correct_gone": "❌ Die foto wordt niet meer bewaard. Vraag een nieuwe met /photo.",
    "correct_bad_negative": "❌ Niet aanvaard: een meterdisplay toont geen negatieve waarden.",
    "correct_bad_decimals": "❌ Niet aanvaard: het display toont {decimals} decimalen, niet meer.",
    "correct_bad_digits": "❌ Niet aanvaard: het display heeft {digits} cijfers; {text} past niet.",
    "correct_done": (
        "✅ {name}: {label} bewaard als manuele aflezing; de foto wordt bewaard om van te leren."
    ),
    "alert_reading_jumped": "↕️ {name}: de meterstand sprong van {old} naar {new}. Foto's die "
    "met elkaar overeenkomen vervingen de bewaarde waarde; is {new} fout, stuur dan de juiste "
    "waarde als correctie.",
    "online": "🟢",
    "offline": "🔴",
}

QUANTITY_LABELS: dict[str, str] = {
    "token_balance_kwh": "Saldo",
    "power_w": "Vermogen",
    "power_import_w": "Afname",
    "power_export_w": "Injectie",
    "energy_import_kwh": "Energie afname",
    "energy_export_kwh": "Energie injectie",
    "quarter_avg_power_w": "Kwartiergemiddelde",
    "month_peak_power_w": "Maandpiek",
    "gas_m3": "Gas",
    "water_m3": "Water",
}
