"""Generation of the labeled listing corpus (``nlp-ip data generate``).

Modules: :mod:`~training.datagen.families` (scenario families, one module per label,
registered by a decorator), :mod:`~training.datagen.voices` (marketplace styles),
:mod:`~training.datagen.obfuscate`, :mod:`~training.datagen.puns`,
:mod:`~training.datagen.phrases` / ``vocab`` / ``details`` (schemas and readers of the
phrase banks and word lists in ``data/*.yaml``, checked by :mod:`~training.datagen.tables`),
:mod:`~training.datagen.splits` (hold-out plan and leakage check),
:mod:`~training.datagen.audit` (shortcut audit), :mod:`~training.datagen.generator`
(``generate_corpus``, ``build_corpus``) and :mod:`~training.datagen.cli`.
"""
