"""A WordPress site over HTTP: finish its installation, publish a post, read it back.

What a person does in the browser after ``docker run wordpress``: the installer's form
(``/wp-admin/install.php?step=2``), then a post through XML-RPC (``wp.newPost``), then the
post's page ``/?p=ID``. Only the published address on 127.0.0.1 is asked.
"""

from __future__ import annotations

import html
import re
import secrets
import urllib.parse
import urllib.request
import xmlrpc.client
from dataclasses import dataclass

from cookbook.errors import CookbookError

ADMIN = "cookbook"


def password() -> str:
    """A fresh random password (URL-safe, 20 characters)."""
    return secrets.token_urlsafe(15)


@dataclass(frozen=True)
class Site:
    """A WordPress site reachable at ``url`` (``http://127.0.0.1:PORT``).

    Attributes:
        url: The site's address, without a trailing slash.
        admin_password: The administrator's password, set by :meth:`install`.
    """

    url: str
    admin_password: str

    def __post_init__(self) -> None:
        # ``http://host:port/`` as :func:`cookbook.chapters.networking.network.url` gives it
        object.__setattr__(self, "url", self.url.rstrip("/"))

    def install(self, title: str) -> int:
        """Fill in the installer's form (site title, admin user); return the HTTP status."""
        form = {
            "weblog_title": title,
            "user_name": ADMIN,
            "admin_password": self.admin_password,
            "admin_password2": self.admin_password,
            "pw_weak": "1",
            "admin_email": "cookbook@example.com",
            "blog_public": "0",
            "language": "",
        }
        request = urllib.request.Request(
            f"{self.url}/wp-admin/install.php?step=2", data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read().decode(errors="replace")
        if "Success!" not in body and "already installed" not in body:
            raise CookbookError("the WordPress installer did not report success.", "read the container's logs.")
        return int(response.status)

    def publish(self, title: str, content: str) -> int:
        """Publish a post through XML-RPC ``wp.newPost``; return its id."""
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc.php")
        post = {"post_title": title, "post_content": content, "post_status": "publish"}
        try:
            return int(str(proxy.wp.newPost(1, ADMIN, self.admin_password, post)))
        except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError) as exc:
            raise CookbookError(f"XML-RPC wp.newPost failed: {exc}.", "is the site installed?") from None

    def page_title(self, post_id: int) -> str:
        """The post's title as its page ``/?p=ID`` shows it (the ``<h1>`` or ``<title>``)."""
        with urllib.request.urlopen(f"{self.url}/?p={post_id}", timeout=30) as response:
            body = response.read().decode(errors="replace")
        found = re.search(r"<h1[^>]*wp-block-post-title[^>]*>(.*?)</h1>", body, re.S) or re.search(
            r"<title>(.*?)</title>", body, re.S
        )
        return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""
