import reflex as rx

from interplat.config import get_settings

settings = get_settings()

config = rx.Config(
    app_name="interplat",
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        ),
        rx.plugins.SitemapPlugin(),
    ],
)
