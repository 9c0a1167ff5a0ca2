FROM scratch
ENV A=1
WORKDIR /
LABEL org.opencontainers.image.title="<scratch & co>"
CMD []
