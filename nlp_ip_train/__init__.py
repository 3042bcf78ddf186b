"""Fine-tuning pipeline and data generation for nlp-ip (needs the ``[train]`` extra).

May import ``nlp_ip``; ``nlp_ip`` never imports this package.
"""
