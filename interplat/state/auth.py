"""Login, logout and the page guard every staff page runs on load."""

from __future__ import annotations

import reflex as rx

from .. import routes
from ..config import get_settings
from ..db import session_scope
from ..services import access, auth
from ..services.errors import DomainError, NotAuthenticated


class AuthState(rx.State):
    """Who is logged in on this tab. The token lives in the browser; everything else is
    re-read from the database on each guarded page load."""

    session_token: str = rx.LocalStorage("", name="interplat_session", sync=True)
    user_id: str = ""
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    enterprise_id: str = ""
    enterprise_name: str = ""
    login_error: str = ""
    logging_in: bool = False

    @rx.var
    def is_admin(self) -> bool:
        return self.user_role in ("owner", "admin")

    @rx.var
    def user_initials(self) -> str:
        return "".join(part[0] for part in self.user_name.split()[:2]).upper()

    @rx.var
    def show_demo_hint(self) -> bool:
        return not get_settings().is_production

    def principal(self) -> auth.Principal:
        """Resolve this tab's token again (sessions can be revoked at any time)."""
        with session_scope() as session:
            return auth.resolve_session(session=session, token=self.session_token)

    @rx.event
    def login(self, form: dict[str, str]):
        """Check the form's email and password and open a session."""
        self.login_error = ""
        try:
            with session_scope() as session:
                result = auth.log_in(
                    session=session,
                    email=form.get("email", ""),
                    password=form.get("password", ""),
                    ttl_hours=get_settings().session_ttl_hours,
                )
        except DomainError as exc:
            self.login_error = exc.message
            return None
        self.session_token = result.token
        self._adopt(result.principal)
        target = self.router.url.query_parameters.get("next", "")
        return rx.redirect(target if target.startswith("/") else routes.DASHBOARD)

    @rx.event
    def logout(self):
        if self.session_token:
            with session_scope() as session:
                auth.log_out(session=session, token=self.session_token)
        self.reset()
        return rx.redirect(routes.LOGIN)

    @rx.event
    def guard(self, permission: str):
        """On load of a staff page: require a live session and ``permission``."""
        try:
            principal = self.principal()
        except NotAuthenticated:
            self._clear_user()
            return rx.redirect(routes.login_path(self.router.url.path))
        self._adopt(principal)
        try:
            access.require(principal, access.Permission(permission))
        except DomainError as exc:
            return [rx.redirect(routes.DASHBOARD), rx.toast.error(exc.message)]
        return None

    @rx.event
    def redirect_if_logged_in(self):
        """On load of the login page and ``/``: skip the form when already logged in."""
        try:
            self._adopt(self.principal())
        except NotAuthenticated:
            if self.router.url.path != routes.LOGIN:
                return rx.redirect(routes.LOGIN)
            return None
        return rx.redirect(routes.DASHBOARD)

    def _adopt(self, principal: auth.Principal) -> None:
        self.user_id = str(principal.user_id)
        self.user_name = principal.full_name
        self.user_email = principal.email
        self.user_role = principal.role
        self.enterprise_id = str(principal.enterprise_id)
        self.enterprise_name = principal.enterprise_name

    def _clear_user(self) -> None:
        for name in (
            "user_id",
            "user_name",
            "user_email",
            "user_role",
            "enterprise_id",
            "enterprise_name",
        ):
            setattr(self, name, "")
