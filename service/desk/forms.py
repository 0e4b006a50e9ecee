"""The desk's forms (Flask-WTF: every form carries and checks a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from service.desk.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

# Validators carry message keys; the templates translate them (service/desk/texts.*.json).


class LoginForm(FlaskForm):
    username = StringField(
        "username",
        validators=[DataRequired("err.required"), Length(max=64, message="err.too_long")],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "password",
        validators=[
            DataRequired("err.required"),
            Length(max=MAX_PASSWORD_LENGTH, message="err.too_long"),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        "code",
        validators=[DataRequired("err.required"), Regexp(r"^\s*\d{6}\s*$", message="err.code")],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"},
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        "current",
        validators=[
            DataRequired("err.required"),
            Length(max=MAX_PASSWORD_LENGTH, message="err.too_long"),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        "new",
        validators=[
            DataRequired("err.required"),
            Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH, message="err.password_length"),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "confirm",
        validators=[DataRequired("err.required"), EqualTo("new", message="err.password_match")],
        render_kw={"autocomplete": "new-password"},
    )


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token (sign out)."""


class NoteForm(FlaskForm):
    text = TextAreaField(
        "text", validators=[DataRequired("err.required"), Length(max=2000, message="err.too_long")]
    )
