"""``nlp-ip keys add|list|remove``: manage the server's API keys file.

The file (``--keys-file`` or ``NLP_IP_API_KEYS_FILE``) holds salted scrypt
hashes only, is created with mode 0600, and is re-read by a running server
within seconds of a change. ``keys add`` prints the new key once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from nlp_ip.errors import ConfigError
from nlp_ip.settings import env_name, settings_from_env

ENV_KEYS_FILE = env_name("api_keys_file")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("keys", help="manage API keys of `nlp-ip serve`",
                                   description=__doc__)
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION", required=True)

    def keys_file_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--keys-file", metavar="FILE", default=None,
                       help=f"API keys file (env {ENV_KEYS_FILE})")

    add = actions.add_parser("add", help="create a key; prints it once")
    add.add_argument("name", help="who the key is for (letters, digits, . _ @ -)")
    add.add_argument("--scope", action="append", choices=("classify", "metrics"),
                     help="what the key may do (repeatable; default: classify)")
    keys_file_option(add)
    add.set_defaults(func=keys_add_cli)

    lst = actions.add_parser("list", help="show names, key ids and scopes (never keys)")
    keys_file_option(lst)
    lst.set_defaults(func=keys_list_cli)

    remove = actions.add_parser("remove", help="revoke a key by name")
    remove.add_argument("name")
    keys_file_option(remove)
    remove.set_defaults(func=keys_remove_cli)


class _KeysFileSetting(BaseModel):
    """The server setting ``api_keys_file``, read the way the server reads it."""

    api_keys_file: Path | None = None


def keys_file(args: argparse.Namespace) -> Path:
    if args.keys_file:
        return Path(args.keys_file)
    configured = settings_from_env(_KeysFileSetting, what="keys").api_keys_file
    if configured is None:
        raise ConfigError(f"no API keys file: pass --keys-file FILE or set {ENV_KEYS_FILE}")
    return configured


def keys_add_cli(args: argparse.Namespace) -> int:
    from nlp_ip.serve.keys import DEFAULT_SCOPES, add_key

    path = keys_file(args)
    key = add_key(path, args.name, args.scope or DEFAULT_SCOPES)
    print(key)
    print(f"added key {args.name!r} to {path}. This is the only time it is shown: store it "
          "in your secret manager now.", file=sys.stderr)
    return 0


def keys_list_cli(args: argparse.Namespace) -> int:
    from nlp_ip.serve.keys import list_keys

    print(json.dumps(list_keys(keys_file(args)), indent=2))
    return 0


def keys_remove_cli(args: argparse.Namespace) -> int:
    from nlp_ip.serve.keys import remove_key

    path = keys_file(args)
    remove_key(path, args.name)
    print(f"removed key {args.name!r} from {path}", file=sys.stderr)
    return 0
