"""Generation of the labeled listing corpus (``nlp-ip data generate``).

Modules: :mod:`~nlp_ip_train.datagen.families` (scenario families, one module per label,
registered by a decorator), :mod:`~nlp_ip_train.datagen.voices` (marketplace styles),
:mod:`~nlp_ip_train.datagen.obfuscate`, :mod:`~nlp_ip_train.datagen.puns`,
:mod:`~nlp_ip_train.datagen.phrases` / ``vocab`` / ``details`` (schemas and readers of the
phrase banks and word lists in ``data/*.yaml``, checked by :mod:`~nlp_ip_train.datagen.tables`),
:mod:`~nlp_ip_train.datagen.splits` (hold-out plan and leakage check),
:mod:`~nlp_ip_train.datagen.audit` (shortcut audit), :mod:`~nlp_ip_train.datagen.generator`
(``generate_corpus``, ``build_corpus``) and :mod:`~nlp_ip_train.datagen.cli`.
"""
