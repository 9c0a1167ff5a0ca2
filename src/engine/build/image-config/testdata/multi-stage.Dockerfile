FROM busybox:latest AS base
ARG X=1
ONBUILD ENV TRIG=1
ONBUILD CMD ["from-onbuild"]
CMD ["base"]
WORKDIR /w

FROM base AS child
ENTRYPOINT ["e"]
RUN true
ONBUILD RUN echo grandchild

FROM child
ARG Y
RUN echo $X $Y
ENTRYPOINT echo again
