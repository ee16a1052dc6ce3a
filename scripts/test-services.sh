#!/usr/bin/env bash
# Starts the PostgreSQL server the tests use when it is not running (and Redis and RabbitMQ), and creates
# the role `qarauyl` (password `qarauyl`, may create databases) that the tests connect with over TCP.
set -euo pipefail
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$version" ]; then
    echo "PostgreSQL is not installed: run scripts/system-deps.sh first." >&2
    exit 1
fi
if ! pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx main; then
    $sudo pg_createcluster "$version" main
fi
if ! pg_lsclusters -h | awk '$2=="main" {print $4}' | grep -qx online; then
    echo "Starting PostgreSQL $version"
    $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}
as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'qarauyl') THEN
    CREATE ROLE qarauyl LOGIN CREATEDB PASSWORD 'qarauyl';
  END IF;
END $$;
SQL

# Redis: the broker of the remote probe worker tests (and of `qarauyl worker` in production).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 30); do
        redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
        sleep 1
    done
fi
redis-cli -h 127.0.0.1 -p 6379 ping

# RabbitMQ: the other broker `qarauyl worker` supports (AMQP, results on reply queues).
amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! amqp_up; then
    echo "Starting RabbitMQ"
    if [ -x /etc/init.d/rabbitmq-server ]; then
        $sudo /etc/init.d/rabbitmq-server start
    elif [ "$(id -u)" -eq 0 ]; then
        runuser -u rabbitmq -- rabbitmq-server -detached
    else
        sudo -u rabbitmq rabbitmq-server -detached
    fi
    for _ in $(seq 1 90); do
        amqp_up && break
        sleep 1
    done
fi
amqp_up && echo "RabbitMQ is listening on 127.0.0.1:5672" || { echo "RabbitMQ did not start" >&2; exit 1; }
