"""The python3-libtorrent session every test peer starts from: loopback only, and
nothing that reaches past it (no DHT, LSD, UPnP or NAT-PMP). Scripts add their own
settings on top:  session = loopback_session({"alert_mask": ...})
Import it from a script elsewhere in tests/ with
  sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../support"))
"""
import libtorrent as lt

LOOPBACK_SETTINGS = {
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    # Every test peer shares 127.0.0.1: several connections per address are distinct peers.
    "allow_multiple_connections_per_ip": True,
    "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
}


def loopback_session(extra=None):
    settings = dict(LOOPBACK_SETTINGS)
    settings.update(extra or {})
    return lt.session(settings)
