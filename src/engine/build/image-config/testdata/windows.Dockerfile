# escape=`
FROM scratch
WORKDIR app
WORKDIR C:\work\..\dir
CMD echo hi
RUN dir
ENTRYPOINT ["cmd.exe"]
