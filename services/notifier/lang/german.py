"""Deutsch (as a household with a Ferraris counter reads it: Zählerstand, Bezug, Einspeisung)."""

MESSAGES: dict[str, str] = {
    "capturing": "📸 Foto wird aufgenommen...",
    "balance": "✅ Ihr Restguthaben:\n{value}",
    "days_left": "≈ noch {days} Tage, ±{spread} (Verbrauch {use}/Tag über die letzten {span} Tage)",
    "days_left_rough": "≈ noch {days} Tage (Verbrauch {use}/Tag über die letzten {span} Tage)",
    "of_device": "📟 {name}",
    "scheduled_header": "🤖 Automatische Ablesung um {time}",
    "read_failed": "❌ Die Ziffern auf dem Foto konnten nicht gelesen werden.",
    "reason": "Grund: {reason}",
    "camera_silent": "⌛ Die Kamera hat nicht innerhalb von {seconds} s geantwortet.",
    "last_known": "Letzter bekannter Zählerstand: {value} ({age})",
    "no_value_yet": "Noch kein Wert gespeichert.",
    "no_prepaid": "❌ Kein Prepaid-Zähler mit Kamera eingerichtet.",
    "unknown_device": "❌ Unbekannter Zähler: {device}. Zur Auswahl: {choices}",
    "age_now": "gerade eben",
    "age_s": "vor {n} s",
    "age_min": "vor {n} min",
    "age_h": "vor {n} h",
    "age_d": "vor {n} Tagen",
    "photo_caption": "📷 Neuestes Foto",
    "photo_detail": "{name} · {age}",
    "photo_missing": "❌ Noch kein Foto.",
    "schedule_updated": "✅ Zeitplan aktualisiert:\n{times}",
    "and": " und ",
    "setjadwal_usage": "❌ Falsches Format. So geht es:\n/setjadwal 12:00 23:59",
    "schedule_list": "🕒 Automatische Ablesungen ({zone}):\n{times}",
    "schedule_empty": "🕒 Keine automatischen Ablesungen. Eine hinzufügen mit /schedule add 12:00",
    "schedule_usage": (
        "❌ Falsches Format. So geht es:\n/schedule — Zeitplan anzeigen\n/schedule add 12:00\n"
        "/schedule remove 12:00"
    ),
    "status_header": "📊 Zählerstände",
    "status_line": "{icon} {name} ({age}): {values}",
    "status_never": "⚪ {name}: noch keine Daten",
    "status_cost": "💶 Kosten: heute {today}, diesen Monat {month}, letzten Monat {last}",
    "status_capacity": "⚡ Die Spitze dieses Monats erhöht die Jahresrechnung um {peak}; diese "
    "Viertelstunde käme auf {quarter}, wenn sie wie erwartet endet{unconfirmed}",
    "price_unconfirmed": " (Standard-Leistungspreis von Fluvius {region}: bitte bestätigen)",
    "history_caption": "📈 {name}: letzte 7 Tage",
    "history_empty": "❌ Noch kein Verlauf für {name}.",
    "history_usage": "❌ Falsches Format. So geht es:\n/history oder /history {example}",
    "chart_balance": "Guthaben (kWh)",
    "chart_daily": "Verbrauch pro Tag ({unit})",
    "peak": "⚡ {name}\nLeistungsspitze diesen Monat: {peak}\nDiese Viertelstunde bisher: "
    "{quarter}\nErwartet zum Ende: {projected} ({age})",
    "peak_none": "❌ Noch keine Daten zur Leistungsspitze (P1-Zähler).",
    "token_confirm": "🔑 Diesen Token am Zähler {name} eintippen?\n{token}",
    "button_yes": "✅ Ja, eintippen",
    "button_no": "✖ Abbrechen",
    "token_cancelled": "✖ Token abgebrochen:\n{token}",
    "token_expired": "⌛ Diese Bestätigung ist abgelaufen; bitte /token erneut senden.",
    "token_sent": "📤 Token an den Tastendrücker gesendet...\n{token}",
    "token_queued": "⏳ Token in der Warteschlange...\n{token}",
    "token_typing": "⌨️ Token wird eingetippt...\n{token}",
    "token_typed": "✅ Token eingetippt, warte auf das neue Guthaben...\n{token}",
    "token_verified": "✅ Der Zähler hat den Token angenommen.\n{token}",
    "token_failed": "❌ Der Token ist fehlgeschlagen.\n{token}",
    "token_detail": "{detail}",
    "token_no_answer": "⚠️ Der Tastendrücker hat nicht innerhalb von {seconds} s geantwortet."
    "\n{token}",
    "token_usage": "❌ Falsches Format. So geht es:\n/token 1234 5678 9012 3456 7890 (20 Ziffern)",
    "language_set": "✅ Sprache: Deutsch",
    "language_usage": "❌ Falsches Format. So geht es:\n/language id, /language en, /language nl "
    "oder /language de",
    "refused": "🙏 Entschuldigung, dies ist ein privater Bot, der nur seinem Besitzer dient. "
    "(Chat-ID {chat_id})",
    "unknown_command": "❓ Unbekannter Befehl.",
    "error": "⚠️ Etwas ist schiefgegangen; es wurde protokolliert. Bitte gleich noch einmal "
    "versuchen.",
    "not_a_command": "Senden Sie /help für die Liste der Befehle.",
    "help_header": "🤖 Meterhub — Befehle:",
    "help_cektoken": "Guthaben jetzt prüfen (neues Foto)",
    "help_status": "jeder Zähler: letzter Zählerstand und sein Alter",
    "help_photo": "neuestes Foto der Kamera",
    "help_history": "Diagramm der letzten 7 Tage",
    "help_peak": "Leistungsspitze dieses Monats und die laufende Viertelstunde (P1)",
    "help_schedule": "automatische Ablesungen: anzeigen, hinzufügen, entfernen",
    "help_setjadwal": "alle Ablesungen ersetzen, z. B. /setjadwal 12:00 23:59",
    "help_token": "einen 20-stelligen Token am Zähler eintippen",
    "help_language": "Sprache: id, en, nl oder de",
    "help_start": "ist der Bot an? dann diese Liste",
    "help_help": "diese Liste",
    "bot_active": "✅ Bot aktiv.",
    "alert_low_balance": "🪫 Guthaben wird knapp: noch {value}",
    "alert_low_days": "≈ noch {days} Tage beim jetzigen Verbrauch",
    "alert_offline": "📴 {name} hat seit über {minutes} min nichts gesendet ({age}).",
    "alert_online": "✅ {name} meldet sich wieder.",
    "alert_rejects": "📷 {name}: {count} Fotos hintereinander konnten nicht gelesen werden.\n"
    "Letzter Grund: {reason}",
    "alert_capacity": "⚡ {name}: Diese Viertelstunde steuert auf {projected} zu, über der "
    "Monatsspitze von {peak}. Bitte bis {end} zurückhalten.",
    "alert_beep": "🔊 Guthaben fast aufgebraucht — der Zähler piept!",
    "photo_correct_hint": (
        "Falsch oder nicht gelesen? Antworte auf dieses Foto mit /correct <angezeigter Wert>."
    ),
    "help_correct": (
        "als Antwort auf ein Foto: der Wert, den die Anzeige wirklich zeigt (lehrt den Leser)"
    ),
    "correct_usage": (
        "✏️ Antworte auf ein Foto von /photo mit /correct <Wert>, z. B. /correct 126,95"
    ),
    "correct_reply": (
        "✏️ Sende /correct <Wert> als Antwort auf ein Foto von /photo, damit ich weiß, "
        "welches Bild du meinst."
    ),
    "correct_gone": "❌ Dieses Bild ist nicht mehr gespeichert. Fordere mit /photo ein neues an.",
    "correct_bad_negative": "❌ Nicht übernommen: eine Zähleranzeige zeigt keine negativen Werte.",
    "correct_bad_decimals": (
        "❌ Nicht übernommen: die Anzeige zeigt {decimals} Nachkommastellen, nicht mehr."
    ),
    "correct_bad_digits": (
        "❌ Nicht übernommen: die Anzeige hat {digits} Stellen; {text} passt nicht."
    ),
    "correct_done": (
        "✅ {name}: {label} als Handablesung gespeichert; das Bild wird zum Lernen aufbewahrt."
    ),
    "alert_reading_jumped": "↕️ {name}: der Zählerstand sprang von {old} auf {new}. "
    "Übereinstimmende Bilder haben den gespeicherten Wert ersetzt; ist {new} falsch, "
    "sende den richtigen Wert als Korrektur.",
    "online": "🟢",
    "offline": "🔴",
}

QUANTITY_LABELS: dict[str, str] = {
    "token_balance_kwh": "Guthaben",
    "power_w": "Leistung",
    "power_import_w": "Bezug",
    "power_export_w": "Einspeisung",
    "energy_import_kwh": "Zählerstand Bezug",
    "energy_export_kwh": "Zählerstand Einspeisung",
    "quarter_avg_power_w": "Viertelstunden-Mittel",
    "month_peak_power_w": "Monatsspitze",
    "gas_m3": "Gas",
    "water_m3": "Wasser",
}
