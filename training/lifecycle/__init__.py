"""The model lifecycle: reviewer decisions -> retrain -> promotion gate -> registry.

- :mod:`training.lifecycle.config`: the typed ``configs/retrain.yaml`` (retrain and gate);
- :mod:`training.lifecycle.decisions`: reviewer decisions from review databases,
  one per listing (latest wins), contradictions between databases reported;
- :mod:`training.lifecycle.retrain`: ``retrain()``, production config + new decisions
  -> a candidate version in the registry;
- :mod:`training.lifecycle.gate`: ``gate()``, candidate vs production on frozen sets
  with paired bootstrap intervals;
- :mod:`training.lifecycle.cli`: ``nlp-ip retrain`` and ``nlp-ip gate``.

The registry itself is runtime code (:mod:`nlp_ip.registry`): the server follows it
without the training stack.
"""
