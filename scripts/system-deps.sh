#!/usr/bin/env bash
# Everything outside Python that the test suite drives for real: FFmpeg (ffprobe/ffmpeg clients),
# PostgreSQL (the production database), Redis and RabbitMQ (the remote probe workers' brokers),
# GStreamer (a third-party RTSP client and server) and Chromium (the browser tests).
set -euo pipefail
here=$(dirname "$0")
bash "$here/apt-install.sh" \
    python3-venv \
    ffmpeg \
    postgresql postgresql-client \
    redis-server redis-tools rabbitmq-server \
    gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav \
    gir1.2-gst-rtsp-server-1.0 libgirepository1.0-dev libcairo2-dev pkg-config \
    chromium fonts-dejavu-core
