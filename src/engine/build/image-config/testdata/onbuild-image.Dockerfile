FROM onbuild-base
ENV CHILD=1
ENTRYPOINT ["/entry"]
ONBUILD RUN echo grandchild
