# tools/serve: `frost serve`, the model server — the executable frost-serve, which `frost serve`
# runs. It links libfrost and the CSV layer, never the importer, plus libmicrohttpd (HTTP) and
# jansson (JSON). It is an executable of its own because Debian's libmicrohttpd is built with
# GnuTLS, whose p11-kit dependency ships no static archive: frost-serve links every library that
# has one statically and libc, p11-kit and libffi dynamically (all three are in Debian's slim
# images), while `frost` stays fully static and its fresh-process start pays for none of it.
SERVE_SRCS := tools/serve/models.c tools/serve/request.c tools/serve/http.c tools/serve/metrics.c
SERVE_MAIN := tools/serve/main.c
