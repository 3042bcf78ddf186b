"""The model lifecycle: reviewer decisions -> retrain -> promotion gate -> registry.

- :mod:`nlp_ip_train.lifecycle.config`: the typed ``configs/retrain.yaml`` (retrain and gate);
- :mod:`nlp_ip_train.lifecycle.decisions`: reviewer decisions from review databases,
  one per listing (latest wins), contradictions between databases reported;
- :mod:`nlp_ip_train.lifecycle.retrain`: ``retrain()``, production config + new decisions
  -> a candidate version in the registry;
- :mod:`nlp_ip_train.lifecycle.gate`: ``gate()``, candidate vs production on frozen sets
  with paired bootstrap intervals;
- :mod:`nlp_ip_train.lifecycle.cli`: ``nlp-ip retrain`` and ``nlp-ip gate``.

The registry itself is runtime code (:mod:`nlp_ip.registry`): the server follows it
without the training stack.
"""
