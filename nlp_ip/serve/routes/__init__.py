"""The routes of the HTTP API, one router per group; :func:`nlp_ip.serve.app.create_app`
includes them with the API-key dependency each group needs."""
