"""The review web app's parts: :mod:`.site` (what every page shares, and the dependencies
that give it to routes), :mod:`.session` (sign-in and sign-out) and :mod:`.queue` (the queue,
item pages and decisions). :func:`nlp_ip.review.app.create_review_app` puts them together.

This module imports no web framework, so ``nlp_ip.review.app`` imports without the
``[review]`` extra.
"""

from __future__ import annotations

SESSION_COOKIE = "nlp_ip_review_session"
LOGIN_COOKIE = "nlp_ip_review_login"
#: Set by a successful sign-in: this browser's attempts on that account are counted on their
#: own (:func:`nlp_ip.review.auth.sign_in`).
DEVICE_COOKIE = "nlp_ip_review_device"
DEVICE_TTL_S = 90 * 86400
