# syntax=docker/dockerfile:1
FROM busybox:latest
RUN <<EOF
echo one
echo two
EOF
RUN <<-EOT
	echo tabs
	EOT
RUN <<EOF
#!/bin/sh
echo shebang
EOF
RUN cat <<A >/a && cat <<B >/b
alpha
A
beta
B
COPY <<EOF <<"NOEXPAND" /files/
$HOME
EOF
$HOME
NOEXPAND
COPY --parents a/./b c /dst/
