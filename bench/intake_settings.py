"""Settings for bench/intake.py only, never for a real server: Peerway's settings with the benchmark's URLs.

ROOT_URLCONF adds the trivial one-insert view the form is measured against to Peerway's own URLs
(bench/intake_urls.py). Nothing else changes: CSRF, the form's rate limit and every middleware stay on.
bench/intake.py also sets PEERWAY_PROXY_COUNT=1 in the environment, as a deployment behind one reverse
proxy does, so each simulated person is known by their own address (X-Forwarded-For).
"""

from __future__ import annotations

from peerway.settings import *  # noqa: F403

ROOT_URLCONF = "intake_urls"
