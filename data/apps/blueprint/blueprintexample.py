"""A Flask app made of one blueprint (the book's blueprint example, written anew)."""

import os

from flask import Flask

from simple_page.simple_page import simple_page

app = Flask(__name__)
app.register_blueprint(simple_page)
# The same blueprint mounted a second time under a prefix, as in Flask's example.
app.register_blueprint(simple_page, url_prefix="/pages", name="prefixed_pages")


@app.route("/healthz")
def healthz():
    """Health check for routers and deploy scripts."""
    return "ok"


@app.context_processor
def version():
    return {"app_version": os.environ.get("APP_VERSION", "dev")}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
