"""Telegram bot: /cektoken and friends, daily checks, alerts, photos and charts."""
