"""Optional error reports to Sentry (SENTRY_DSN), imported only when configured."""

import os


def start_sentry(dsn):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("ALLSITE_RELEASE") or None,
        # Staff names, addresses and cookies stay here; readers send none anyway.
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
