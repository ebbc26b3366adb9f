#!/usr/bin/env bash
# Real git servers for tests, benchmarks and the demo, from Debian packages:
#   - smart HTTP: git http-backend behind nginx + fcgiwrap, on 127.0.0.1:<port>
#       /public/<repo>.git   no authentication
#       /basic/<repo>.git    HTTP basic auth (GIT_BASIC_USER / GIT_BASIC_PASS)
#       /token/<repo>.git    Authorization: Bearer GIT_TOKEN
#   - SSH: openssh-server on 127.0.0.1:<port>, public key auth only, with a
#     client key and a known_hosts line for the server's ed25519 host key.
# Everything lives in one directory per run (ports chosen at run time), so
# several runs never collide.
#
#   tests/env/gitserver.sh start DIR   start both servers; writes DIR/env
#   tests/env/gitserver.sh stop DIR    stop them (by the pids recorded in DIR)
#   tests/env/gitserver.sh repo DIR NAME   create an empty bare repo DIR/repos/NAME.git
#
# DIR/env (shell-sourceable) defines GIT_HTTP (http://127.0.0.1:PORT),
# GIT_BASIC_USER, GIT_BASIC_PASS, GIT_TOKEN, GIT_SSH (ssh://USER@127.0.0.1:PORT),
# GIT_SSH_PORT, GIT_SSH_KEY (private key file), GIT_SSH_KNOWN_HOSTS (file),
# GIT_REPOS (bare repository root; ssh URLs are GIT_SSH + GIT_REPOS/NAME.git).
set -euo pipefail
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: gitserver.sh start|stop|repo DIR [NAME]" >&2; exit 2; }

free_port() { # a loopback TCP port nobody listens on
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    [ -n "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    echo "$p"; return 0
  done
  echo "gitserver: no free port" >&2; return 1
}
wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
stop_pidfile() {
  local f=$1 pid
  [ -r "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # servers are started with setsid: signal the whole process group, so
    # forked workers (fcgiwrap -c 4, nginx workers) go too
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case $cmd in
repo)
  name=${3:?repo name}
  git init -q --bare "$dir/repos/$name.git"
  git -C "$dir/repos/$name.git" config http.receivepack true
  ;;
stop)
  stop_pidfile "$dir/run/nginx.pid"
  stop_pidfile "$dir/run/fcgiwrap.pid"
  stop_pidfile "$dir/run/sshd.pid"
  rm -f "$dir/run/fcgi.sock"
  ;;
start)
  for t in nginx fcgiwrap git openssl ssh-keygen; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "gitserver: '$t' is missing: run 'make deps'" >&2; exit 1; }
  done
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  FCGIWRAP=$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)
  SSHD=/usr/sbin/sshd
  BACKEND=$(git --exec-path)/git-http-backend
  mkdir -p "$dir"/{repos,run,logs,ssh,nginx/tmp}
  dir=$(cd "$dir" && pwd)
  user=$(id -un)
  pass=$(openssl rand -hex 12)
  token=$(openssl rand -hex 16)
  printf '%s:%s\n' git "$(openssl passwd -apr1 "$pass")" >"$dir/run/htpasswd"

  # fcgiwrap on a private unix socket
  rm -f "$dir/run/fcgi.sock"
  setsid "$FCGIWRAP" -c 4 -s "unix:$dir/run/fcgi.sock" >>"$dir/logs/fcgiwrap.log" 2>&1 </dev/null &
  echo $! >"$dir/run/fcgiwrap.pid"
  for _ in $(seq 1 50); do [ -S "$dir/run/fcgi.sock" ] && break; sleep 0.1; done
  [ -S "$dir/run/fcgi.sock" ] || { echo "gitserver: fcgiwrap did not start" >&2; exit 1; }

  http_port=$(free_port)
  fastcgi="include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:$dir/run/fcgi.sock;
      fastcgi_param SCRIPT_FILENAME $BACKEND;
      fastcgi_param GIT_PROJECT_ROOT $dir/repos;
      fastcgi_param GIT_HTTP_EXPORT_ALL 1;
      fastcgi_param PATH_INFO \$1;
      fastcgi_param REMOTE_USER \$remote_user;
      fastcgi_read_timeout 300s;"
  userline=
  [ "$(id -u)" = 0 ] && userline="user root;"
  cat >"$dir/run/nginx.conf" <<EOF
$userline
worker_processes 1;
daemon off;
pid $dir/run/nginx.pid;
error_log $dir/logs/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log $dir/logs/nginx-access.log;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:$http_port;
    location ~ ^/public(/.*)\$ {
      $fastcgi
    }
    location ~ ^/basic(/.*)\$ {
      auth_basic "git";
      auth_basic_user_file $dir/run/htpasswd;
      $fastcgi
    }
    location ~ ^/token(/.*)\$ {
      if (\$http_authorization != "Bearer $token") { return 401; }
      $fastcgi
    }
  }
}
EOF
  setsid "$NGINX" -p "$dir/nginx" -c "$dir/run/nginx.conf" >>"$dir/logs/nginx.log" 2>&1 </dev/null &
  wait_port "$http_port" 10 || { echo "gitserver: nginx did not start:" >&2; tail -5 "$dir/logs/nginx-error.log" "$dir/logs/nginx.log" >&2; exit 1; }

  # sshd: key auth only, on a loopback port
  ssh-keygen -q -t ed25519 -N '' -C gitserver-host -f "$dir/ssh/host_ed25519" <<<y >/dev/null
  ssh-keygen -q -t ed25519 -N '' -C gitserver-client -f "$dir/ssh/client_ed25519" <<<y >/dev/null
  cp "$dir/ssh/client_ed25519.pub" "$dir/ssh/authorized_keys"
  chmod 600 "$dir/ssh/authorized_keys"
  ssh_port=$(free_port)
  [ "$(id -u)" = 0 ] && mkdir -p /run/sshd
  cat >"$dir/ssh/sshd_config" <<EOF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $dir/ssh/host_ed25519
AuthorizedKeysFile $dir/ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $user
PidFile $dir/run/sshd.pid
LogLevel ERROR
MaxStartups 200:30:400
EOF
  setsid "$SSHD" -D -f "$dir/ssh/sshd_config" -E "$dir/logs/sshd.log" >>"$dir/logs/sshd.out" 2>&1 </dev/null &
  echo $! >"$dir/run/sshd.pid"
  wait_port "$ssh_port" 10 || { echo "gitserver: sshd did not start:" >&2; tail -5 "$dir/logs/sshd.log" >&2; exit 1; }
  echo "[127.0.0.1]:$ssh_port $(cut -d' ' -f1,2 "$dir/ssh/host_ed25519.pub")" >"$dir/ssh/known_hosts"

  cat >"$dir/env" <<EOF
GIT_HTTP=http://127.0.0.1:$http_port
GIT_BASIC_USER=git
GIT_BASIC_PASS=$pass
GIT_TOKEN=$token
GIT_SSH=ssh://$user@127.0.0.1:$ssh_port
GIT_SSH_PORT=$ssh_port
GIT_SSH_KEY=$dir/ssh/client_ed25519
GIT_SSH_KNOWN_HOSTS=$dir/ssh/known_hosts
GIT_REPOS=$dir/repos
EOF
  echo "$dir/env"
  ;;
*) echo "gitserver: unknown command '$cmd'" >&2; exit 2 ;;
esac
