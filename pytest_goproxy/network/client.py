"""The one module that talks to toxiproxy's REST API, and the only one importing toxiproxy-python.

toxiproxy-python keeps the server address in class attributes (``APIConsumer.host``/``.port``) and
calls ``requests`` without a timeout. So:

* the address is set in exactly one place, :meth:`ToxiproxyClient._api`, under a process-wide lock,
  right before each call; two clients for two servers in one process therefore never mix up;
* every call goes through ``APIConsumer``'s own ``get``/``post``/``delete`` with an explicit
  ``timeout`` (its higher-level ``Proxy``/``Toxiproxy`` objects cannot pass one), so a wedged server
  raises instead of hanging the test session;
* health checks (``/version``) and what the client cannot do at all -- updating a toxic (``PATCH``),
  ``/populate``, ``/metrics`` -- use httpx, also with timeouts.

Every failure surfaces as :class:`~pytest_goproxy.errors.ToxiproxyError` naming the server URL.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from pytest_goproxy.errors import ToxiproxyError

__all__ = ["ProxyInfo", "ToxicInfo", "ToxiproxyClient"]

#: Seconds for one REST call. The server is on loopback: anything slower is a wedged server.
API_TIMEOUT_S = 10.0

#: Guards the class attributes toxiproxy-python reads the server address from.
_ADDRESS_LOCK = threading.RLock()


@dataclass(frozen=True)
class ToxicInfo:
    """A toxic as the server reports it (see toxiproxy toxics/toxic.go ``ToxicWrapper``)."""

    name: str
    type: str
    stream: str
    toxicity: float
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProxyInfo:
    """A proxy as the server reports it: ``listen`` is the address it accepts connections on."""

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: tuple[ToxicInfo, ...] = ()

    @property
    def listen_host(self) -> str:
        return self.listen.rsplit(":", 1)[0]

    @property
    def listen_port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


def _proxy_info(data: Mapping[str, Any]) -> ProxyInfo:
    return ProxyInfo(
        name=str(data["name"]),
        listen=str(data["listen"]),
        upstream=str(data["upstream"]),
        enabled=bool(data["enabled"]),
        toxics=tuple(_toxic_info(t) for t in data.get("toxics") or ()),
    )


def _toxic_info(data: Mapping[str, Any]) -> ToxicInfo:
    return ToxicInfo(
        name=str(data["name"]),
        type=str(data["type"]),
        stream=str(data.get("stream", "downstream")),
        toxicity=float(data.get("toxicity", 1.0)),
        attributes=dict(data.get("attributes") or {}),
    )


class ToxiproxyClient:
    """A thin, typed, timeout-bounded client for one toxiproxy server at ``url``."""

    def __init__(self, url: str, *, timeout: float = API_TIMEOUT_S) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if not parts.hostname or not parts.port:
            raise ToxiproxyError(f"toxiproxy URL {url!r} needs a host and a port")
        self.host: str = parts.hostname
        self.port: int = parts.port
        self.url = f"http://{self.host}:{self.port}"
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<ToxiproxyClient {self.url}>"

    # -- the one place the toxiproxy-python address is set ------------------------------------

    @contextlib.contextmanager
    def _api(self, what: str) -> Iterator[type[Any]]:
        """Point toxiproxy-python at this server and translate its errors, for one call."""
        with _ADDRESS_LOCK:
            APIConsumer.host = self.host
            APIConsumer.port = self.port
            try:
                yield APIConsumer
            except ProxyExists as exc:
                raise ToxiproxyError(f"{what}: already exists on {self.url}: {_text(exc)}") from exc
            except NotFound as exc:
                raise ToxiproxyError(f"{what}: not found on {self.url}: {_text(exc)}") from exc
            except InvalidToxic as exc:
                raise ToxiproxyError(f"{what}: rejected by {self.url}: {_text(exc)}") from exc
            except OSError as exc:  # requests' exceptions derive from IOError
                raise ToxiproxyError(
                    f"{what}: cannot reach toxiproxy at {self.url}: {exc}"
                ) from exc

    def _http(self, method: str, path: str, what: str, json: Any = None) -> httpx.Response:
        try:
            response = httpx.request(method, self.url + path, json=json, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ToxiproxyError(f"{what}: cannot reach toxiproxy at {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise ToxiproxyError(
                f"{what}: toxiproxy at {self.url} answered {response.status_code}: "
                f"{response.text.strip()}"
            )
        return response

    def _delete(self, path: str, what: str, *, missing_ok: bool) -> None:
        """``DELETE path``; with ``missing_ok`` a 404 (already gone) is not an error."""
        try:
            with self._api(what) as api:
                api.delete(path, timeout=self.timeout)
        except ToxiproxyError as exc:
            if not (missing_ok and "not found" in str(exc)):
                raise

    # -- server -------------------------------------------------------------------------------

    def version(self) -> str:
        """The server's version string (``GET /version``); raises if it does not answer."""
        response = self._http("GET", "/version", "version")
        try:
            data = response.json()
        except ValueError:
            return response.text.strip()  # toxiproxy < 2.6 answered plain text
        return str(data.get("version", "")) if isinstance(data, dict) else str(data)

    def healthy(self) -> bool:
        """Whether ``GET /version`` answers within the timeout."""
        try:
            self.version()
        except ToxiproxyError:
            return False
        return True

    def reset(self) -> None:
        """``POST /reset``: enable every proxy and remove every toxic."""
        with self._api("reset") as api:
            api.post("/reset", timeout=self.timeout)

    # -- proxies ------------------------------------------------------------------------------

    def proxies(self) -> dict[str, ProxyInfo]:
        with self._api("list proxies") as api:
            data = api.get("/proxies", timeout=self.timeout).json()
        return {name: _proxy_info(value) for name, value in data.items()}

    def proxy(self, name: str) -> ProxyInfo:
        with self._api(f"proxy {name!r}") as api:
            return _proxy_info(api.get(f"/proxies/{name}", timeout=self.timeout).json())

    def create_proxy(
        self, name: str, upstream: str, listen: str = "127.0.0.1:0", enabled: bool = True
    ) -> ProxyInfo:
        """Create a proxy; ``listen`` port 0 lets the server pick a free port (no race)."""
        body = {"name": name, "upstream": upstream, "listen": listen, "enabled": enabled}
        with self._api(f"create proxy {name!r}") as api:
            data = api.post("/proxies", json=body, timeout=self.timeout)
            if data.status_code >= 300:
                raise ToxiproxyError(f"create proxy {name!r}: {data.status_code} {data.text}")
            return _proxy_info(data.json())

    def delete_proxy(self, name: str, *, missing_ok: bool = True) -> None:
        """Delete a proxy (closing its listener and connections); a missing one is fine."""
        self._delete(f"/proxies/{name}", f"delete proxy {name!r}", missing_ok=missing_ok)

    def set_enabled(self, name: str, enabled: bool) -> ProxyInfo:
        """Disable (close the listener and drop connections) or re-enable a proxy.

        toxiproxy keeps the proxy's listen address: re-enabling binds the same port again
        (proxy.go ``Start`` listens on ``proxy.Listen``, which holds the resolved port).
        """
        with self._api(f"{'enable' if enabled else 'disable'} proxy {name!r}") as api:
            data = api.post(f"/proxies/{name}", json={"enabled": enabled}, timeout=self.timeout)
            return _proxy_info(data.json())

    def set_upstream(self, name: str, upstream: str) -> ProxyInfo:
        """Send a proxy's new connections to ``upstream`` (``host:port``); the listen address,
        the enabled state and the toxics stay.

        toxiproxy (proxy.go ``Update``) stops the proxy, which drops its open connections, and
        starts it again on the same resolved listen address; the API fills every field the body
        leaves out from the proxy as it is (api.go ``ProxyUpdate``), so a disabled proxy stays
        disabled. The URL clients use does not change: this is how a middlebox is put in the way.
        """
        with self._api(f"set upstream of proxy {name!r}") as api:
            data = api.post(f"/proxies/{name}", json={"upstream": upstream}, timeout=self.timeout)
            if data.status_code >= 300:  # e.g. 500 when the listen port could not be bound again
                raise ToxiproxyError(
                    f"set upstream of proxy {name!r}: {data.status_code} {data.text.strip()}"
                )
            return _proxy_info(data.json())

    def populate(self, proxies: Sequence[Mapping[str, Any]]) -> list[ProxyInfo]:
        """``POST /populate``: create or replace several proxies in one call (httpx)."""
        response = self._http("POST", "/populate", "populate", json=list(proxies))
        data = response.json()
        items = data.get("proxies", data) if isinstance(data, dict) else data
        return [_proxy_info(item) for item in items]

    # -- toxics -------------------------------------------------------------------------------

    def toxics(self, proxy: str) -> list[ToxicInfo]:
        with self._api(f"toxics of {proxy!r}") as api:
            data = api.get(f"/proxies/{proxy}/toxics", timeout=self.timeout).json()
        return [_toxic_info(t) for t in data]

    def add_toxic(
        self,
        proxy: str,
        *,
        name: str,
        type: str,
        stream: str = "downstream",
        toxicity: float = 1.0,
        attributes: Mapping[str, Any] | None = None,
    ) -> ToxicInfo:
        body = {
            "name": name,
            "type": type,
            "stream": stream,
            "toxicity": toxicity,
            "attributes": dict(attributes or {}),
        }
        with self._api(f"add {type} toxic to {proxy!r}") as api:
            data = api.post(f"/proxies/{proxy}/toxics", json=body, timeout=self.timeout)
            return _toxic_info(data.json())

    def update_toxic(
        self, proxy: str, toxic: str, attributes: Mapping[str, Any], toxicity: float | None = None
    ) -> ToxicInfo:
        """Change a toxic's attributes in place (``PATCH``; toxiproxy-python cannot do this)."""
        body: dict[str, Any] = {"attributes": dict(attributes)}
        if toxicity is not None:
            body["toxicity"] = toxicity
        response = self._http(
            "PATCH", f"/proxies/{proxy}/toxics/{toxic}", f"update toxic {toxic!r}", json=body
        )
        return _toxic_info(response.json())

    def remove_toxic(self, proxy: str, toxic: str, *, missing_ok: bool = True) -> None:
        self._delete(
            f"/proxies/{proxy}/toxics/{toxic}",
            f"remove toxic {toxic!r} from {proxy!r}",
            missing_ok=missing_ok,
        )

    # -- metrics ------------------------------------------------------------------------------

    def sent_bytes(self, proxy: str, direction: str = "downstream") -> int | None:
        """Bytes the proxy has sent in ``direction`` so far, from the Prometheus ``/metrics``.

        Needs a server started with ``-proxy-metrics`` (ours is). ``None`` when the counter is
        absent: metrics are off, or no byte has flowed through the proxy yet.
        """
        text = self._http("GET", "/metrics", "metrics").text
        wanted = (f'direction="{direction}"', f'proxy="{proxy}"')
        for line in text.splitlines():
            if line.startswith("toxiproxy_proxy_sent_bytes_total{") and all(
                w in line for w in wanted
            ):
                try:
                    return int(float(line.rsplit(" ", 1)[1]))
                except (IndexError, ValueError):
                    return None
        return None


def _text(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else ""
    if isinstance(arg, bytes):
        return arg.decode(errors="replace").strip()
    return str(arg).strip()
