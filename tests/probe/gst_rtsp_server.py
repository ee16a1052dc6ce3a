"""A third-party RTSP server for the probe tests: GStreamer rtsp-server (gir1.2-gst-rtsp-server-1.0).

Run as a subprocess: `python gst_rtsp_server.py --port 0 [--user U --password P]`. It prints
`READY <port>` on stdout once it listens, serves `/test` (H.264 test pattern) and exits after
`--lifetime` seconds or when its stdin closes, so that a test can never leave it running.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--gop", type=int, default=15, help="keyframe interval in frames")
    parser.add_argument("--bitrate", type=int, default=800, help="kbit/s")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--shared", action="store_true", help="one encoder for all clients")
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args()

    Gst.init(None)
    port = args.port or _free_port()
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! "
        f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1 ! "
        f"x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.bitrate} key-int-max={args.gop} "
        f"threads=1 ! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(args.shared)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print("FAILED to listen", flush=True)
        sys.exit(1)

    loop = GLib.MainLoop()

    def watch_stdin() -> None:
        # The parent holds our stdin; when it goes away (test over, or crashed), so do we.
        sys.stdin.read()
        GLib.idle_add(loop.quit)

    threading.Thread(target=watch_stdin, daemon=True).start()
    GLib.timeout_add(int(args.lifetime * 1000), loop.quit)
    print(f"READY {port}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
