FROM busybox:latest
ENV A=1 B="two words"
ENV A=3 C=$A
LABEL x=1 "y z"="w v" 10=ten
LABEL x=2
ARG foo=bar
ARG empty
ARG fromenv
ARG a=1 b
WORKDIR app/
WORKDIR ../x/./y
WORKDIR /abs/../p/
WORKDIR /
USER 1000:1000
EXPOSE 80 443/udp 8000-8001 80/tcp
EXPOSE 53/UDP
VOLUME ["/data", "/logs"]
VOLUME /v2 $A
STOPSIGNAL SIGKILL
MAINTAINER someone <a@b.c> & co
ONBUILD RUN echo onbuild
ONBUILD COPY . /src
COPY --chown=1:1 --chmod=755 a.txt b.* /dst/
COPY --link --exclude=*.tmp --from=busybox:latest /bin/sh /sh
ADD a.txt /dst2
ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/x.tgz /
RUN echo hi
RUN ["echo", "exec", "form"]
ENV fromenv=envval
RUN echo again
SHELL ["/bin/sh", "-xc"]
RUN echo shell
CMD echo shellcmd
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD curl -f http://x/ || exit 1
HEALTHCHECK --interval=250ms --start-period=1m30s --start-interval=1500us --timeout=1h --retries=10 CMD ["true", "x"]
ENTRYPOINT ["/bin/echo"]
