"""Turn the errors a command can meet into one sentence that says what to do, never a traceback."""

from __future__ import annotations

from typing import Any

import click

from crypto import ROLE_FILES, CryptoError, KeyFileMissing, Role
from service.casework.officers import OfficerError

# Fixed names: `handsoff keys init` makes every key on an offline admin machine, and
# `handsoff keys export --role ROLE DEST` copies one role's files to the host that runs it.
KEYS_INIT = "handsoff keys init"
KEYS_EXPORT = "handsoff keys export --role {role} DEST"


def missing_key_sentence(error: KeyFileMissing, role: Role | None = None) -> str:
    """Name the file, the role that holds it, and the commands that make and place it."""
    roles = [r for r, files in ROLE_FILES.items() if error.path.name in files]
    if role is not None and role in roles:
        roles = [role]
    if not roles:
        return f"{error}. Create the keys with `{KEYS_INIT}` on the admin machine."
    holders = " or ".join(f"the {role}" for role in roles)
    export = KEYS_EXPORT.format(role=roles[0])
    return (
        f"{error}. This command needs a key that {holders} holds: create the keys with "
        f"`{KEYS_INIT}` on the admin machine, then copy them here with `{export}` "
        "(docs/keys.md)."
    )


class FriendlyGroup(click.Group):
    """A command group whose known errors end the command with one clear line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyFileMissing as error:
            raise click.ClickException(missing_key_sentence(error)) from None
        except (CryptoError, OfficerError) as error:
            raise click.ClickException(str(error)) from None
