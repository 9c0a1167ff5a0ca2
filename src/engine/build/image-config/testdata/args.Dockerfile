ARG GLOBAL=g
ARG TAG=latest
FROM busybox:${TAG}
ARG GLOBAL
ARG over=default
ARG HTTP_PROXY
ARG dup=1
ENV dup=env
ARG dup=2
ARG BUILDKIT_SBOM_SCAN_STAGE=true
RUN env
ARG late
RUN ["sh", "-c", "echo a  b"]
