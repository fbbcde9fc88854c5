"""``brochure users``: the accounts of the network mode (``add``, ``remove``, ``passwd``,
``token``, ``list``), each a few lines over :mod:`brochure.accounts`.

A password is asked for twice at a hidden prompt, or read as one line from standard input
when that is not a terminal (scripts, tests); it is never an argument (it would stay in the
shell's history and the process list) and never printed. An API token is printed once, on
standard output alone, and only its hash is kept.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..accounts import (
    Account,
    Accounts,
    changing,
    hash_password,
    load,
    name_problem,
    new_password_problem,
    new_token,
    users_file,
    with_account,
    with_token,
    without,
)
from ..errors import BrochureError, Problem

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def users_group(group_class: type[click.Group], reports_errors: Decorator,
                root_option: Decorator) -> click.Group:
    """The ``users`` command group, built with the command line's own group class, error
    reporting and ``--root`` option (passed in: this module cannot import the CLI's)."""
    file_option = click.option(
        "--users", "users_path", type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE", help="The users file. Default: .brochure/users.toml in the project.")

    def command(function: Callable[..., None]) -> click.Command:
        wrapped = root_option(file_option(reports_errors(function)))
        return group.command()(click.argument("name")(wrapped))

    @click.group(cls=group_class)
    def group() -> None:
        """Accounts for `brochure serve` on the network (the users file, mode 600)."""

    @command
    def add(name: str, users_path: Path | None, root: Path) -> None:
        """Add account NAME; its password is asked for twice (or read from standard input)."""
        run_add(users_file(root, users_path), name)

    @command
    def passwd(name: str, users_path: Path | None, root: Path) -> None:
        """Set a new password for NAME (its open sessions end)."""
        run_passwd(users_file(root, users_path), name)

    @command
    def remove(name: str, users_path: Path | None, root: Path) -> None:
        """Remove account NAME (its sessions and API token stop working at once)."""
        run_remove(users_file(root, users_path), name)

    @click.option("--revoke", is_flag=True, help="Remove NAME's API token instead.")
    @command
    def token(name: str, users_path: Path | None, root: Path, revoke: bool = False) -> None:
        """Make an API token for NAME (replacing any earlier one) and print it, once."""
        run_token(users_file(root, users_path), name, revoke)

    @group.command(name="list")
    @file_option
    @root_option
    @reports_errors
    def list_(users_path: Path | None, root: Path) -> None:
        """Print the account names, one a line (with "token" if one has an API token)."""
        for account in sorted(load(users_file(root, users_path)).by_name.values(),
                              key=lambda a: a.name):
            click.echo(account.name + ("\ttoken" if account.token else ""))

    return group


def run_add(path: Path, name: str) -> None:
    _check_name(name)
    if load(path).get(name):
        raise BrochureError(Problem(f"an account named {name} exists already; expected a new "
                                    f"name (to change its password: brochure users passwd "
                                    f"{name})", path))
    hashed = hash_password(_new_password(name))
    with changing(path) as accounts:
        if accounts[0].get(name):
            raise BrochureError(Problem(f"an account named {name} was just added", path))
        accounts[0] = with_account(accounts[0], Account(name, hashed))
    click.echo(f"added {name} to {path}", err=True)


def run_passwd(path: Path, name: str) -> None:
    _existing(load(path), name, path)
    hashed = hash_password(_new_password(name))
    with changing(path) as accounts:
        account = _existing(accounts[0], name, path)
        accounts[0] = with_account(accounts[0], Account(name, hashed, account.token))
    click.echo(f"new password for {name}", err=True)


def run_remove(path: Path, name: str) -> None:
    with changing(path) as accounts:
        _existing(accounts[0], name, path)
        accounts[0] = without(accounts[0], name)
    click.echo(f"removed {name}", err=True)


def run_token(path: Path, name: str, revoke: bool) -> None:
    token = None if revoke else new_token()
    with changing(path) as accounts:
        _existing(accounts[0], name, path)
        accounts[0] = with_token(accounts[0], name, token)
    if token is None:
        click.echo(f"{name} has no API token now", err=True)
        return
    click.echo(token)
    click.echo(f"the API token of {name}, shown this once: send it as 'Authorization: Bearer "
               "TOKEN'; keep it in the integration's secret store (a new one replaces it)",
               err=True)


def _check_name(name: str) -> None:
    if problem := name_problem(name):
        raise BrochureError(Problem(problem))


def _existing(accounts: Accounts, name: str, path: Path) -> Account:
    _check_name(name)
    account = accounts.get(name)
    if account is None:
        raise BrochureError(Problem(f"no account named {name}; expected one of the names "
                                    "`brochure users list` prints", path))
    return account


def _new_password(name: str) -> str:
    """The new password, asked twice at a hidden prompt, or one line of standard input;
    BrochureError (never quoting it) if it breaks the rule."""
    if sys.stdin.isatty():
        password = click.prompt(f"Password for {name}", hide_input=True,
                                confirmation_prompt="Repeat it")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if problem := new_password_problem(name, password):
        raise BrochureError(Problem(problem))
    return password
