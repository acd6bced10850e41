# syntax=docker/dockerfile:1
# The image for `image:` in a parent pipeline's generate-config job (and the
# CI/CD component's default): the static generate-config binary, git for
# change detection, and a shell for the job script, running as a non-root
# user. Built on tags by the image job of .gitlab-ci.yml:
#   docker build --build-arg VERSION=v0.1.0 -t generate-config .

ARG GO_VERSION=1.26
ARG ALPINE_VERSION=3.22

FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
# Dependencies first, so a source change reuses the module download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY generator/ generator/
COPY internal/ internal/
COPY schema/ schema/
COPY templates/ templates/
ARG VERSION=dev
# Static (no cgo), reproducible (-trimpath, no VCS stamp: the version comes
# from the tag), and checked before it is copied anywhere.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X gitlab.com/generate-config/generate-config/internal/cli.Version=${VERSION}" \
      -o /out/generate-config ./cmd/generate-config \
 && /out/generate-config --version

FROM alpine:${ALPINE_VERSION}
# git: change detection runs git diff/merge-base/fetch in the job's clone.
# The clone belongs to the runner's user, not to this one, so git's
# safe.directory check is turned off system-wide (it would otherwise refuse
# the repository: "detected dubious ownership").
RUN apk add --no-cache git \
 && git config --system --add safe.directory '*' \
 && adduser -D -H -u 10001 -s /bin/sh generate-config
COPY --from=build /out/generate-config /usr/local/bin/generate-config
COPY LICENSE /usr/share/doc/generate-config/LICENSE
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="generate-config" \
      org.opencontainers.image.description="Generates the child pipeline of a GitLab CI monorepo for the targets a change affects" \
      org.opencontainers.image.source="https://gitlab.com/generate-config/generate-config" \
      org.opencontainers.image.url="https://gitlab.com/generate-config/generate-config" \
      org.opencontainers.image.documentation="https://gitlab.com/generate-config/generate-config/-/blob/main/README.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
USER 10001:10001
# No ENTRYPOINT: GitLab runs the job script with the image's shell, and an
# entrypoint would have to be overridden in every job (entrypoint: [""]).
CMD ["generate-config", "--help"]
