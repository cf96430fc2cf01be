"""The agent console and the supervisor's view, served by `callguide serve` at /console.

No build step: server-rendered pages (Jinja), small plain JS modules and a stylesheet, all
package data. Every call moves through the service's API (`/v1`), like any other front end.
"""

from callguide.service.console.routes import routes

__all__ = ["routes"]
