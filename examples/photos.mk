# photos.mk: the mly photo workflow as a Makefile, to keep next to your photos.
#
#   cp /usr/local/share/mly/photos.mk ~/trips/2024-06-alps/Makefile   (or examples/photos.mk of the source)
#   cd ~/trips/2024-06-alps && make CAMERA_TZ=Europe/Vienna
#
# Layout it expects: the photos below photos/, the GPS tracks as *.gpx beside
# this file. Each step writes its own file, so make redoes only what changed:
# add a track or change OFFSET and it starts again at geotag.jsonl; change
# DEDUPE and it starts at dedupe.jsonl; the photos are scanned again only when
# a photo is newer than scan.jsonl.
#
#   make            scan.jsonl -> geotag.jsonl -> dedupe.jsonl -> split.jsonl -> ready.jsonl
#   make gpx        ready.gpx, the sequences as GPX tracks, to look at in JOSM or QGIS
#   make upload     uploaded.jsonl: one record per sequence with its cluster id
#                   (mly-upload keeps a history, so a finished sequence is not sent twice)
#   make archive    write positions, times, headings and descriptions into the photos
#                   themselves (atomically; optional, for your own archive)
#   make clean      remove the step files (never a photo)
#
# A step that refuses some photos (exit status 1: a photo outside every track,
# a duplicate, a photo that cannot be read) goes on without them and keeps
# their records and the reasons in *-rejected.jsonl; anything worse (a bad
# option, a missing track, an unreachable server) stops make, and the step's
# partial output is deleted (.DELETE_ON_ERROR).

PHOTOS       ?= photos
TRACKS       ?= $(wildcard *.gpx)
CAMERA_TZ    ?= UTC
OFFSET       ?= 0
GEOTAG       ?= --max-gap 60
DEDUPE       ?= -d 0.5 -a 5
SPLIT        ?= --cutoff-time 60 --cutoff-distance 100
DIRECTION    ?=
ORGANIZATION ?=
JOBS         ?= 4

SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DELETE_ON_ERROR:
.PHONY: all gpx upload archive clean

# Exit status 1 means "done, but some records were refused": go on.
refusals_ok = || [ $$? -eq 1 ]

# .mly/STEP holds the settings STEP ran with, rewritten only when they change,
# so that a step whose settings changed is redone, and only that step and the
# ones after it.
setting = $(shell mkdir -p .mly && v='$(strip $(2))' && \
  { [ -f .mly/$(1) ] && [ "$$(cat .mly/$(1))" = "$$v" ] || printf '%s\n' "$$v" > .mly/$(1); } && echo .mly/$(1))
SCAN_SET      := $(call setting,scan,$(CAMERA_TZ))
GEOTAG_SET    := $(call setting,geotag,$(CAMERA_TZ) $(OFFSET) $(GEOTAG) $(TRACKS))
DEDUPE_SET    := $(call setting,dedupe,$(DEDUPE))
SPLIT_SET     := $(call setting,split,$(SPLIT))
READY_SET     := $(call setting,ready,$(DIRECTION) $(ORGANIZATION))

PHOTO_FILES := $(shell find $(PHOTOS) -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) 2>/dev/null)

all: ready.jsonl

scan.jsonl: $(PHOTO_FILES) $(SCAN_SET)
	mly-scan --tz $(CAMERA_TZ) --rejected scan-rejected.jsonl $(PHOTOS) > $@ $(refusals_ok)

geotag.jsonl: scan.jsonl $(TRACKS) $(GEOTAG_SET)
	mly-geotag-gpx --tz $(CAMERA_TZ) --offset $(OFFSET) $(GEOTAG) --rejected geotag-rejected.jsonl \
	  $(TRACKS) < scan.jsonl > $@ $(refusals_ok)

dedupe.jsonl: geotag.jsonl $(DEDUPE_SET)
	mly-dedupe $(DEDUPE) --rejected dedupe-rejected.jsonl < geotag.jsonl > $@ $(refusals_ok)

split.jsonl: dedupe.jsonl $(SPLIT_SET)
	mly-split $(SPLIT) < dedupe.jsonl > $@

ready.jsonl: split.jsonl $(READY_SET)
	mly-direction $(DIRECTION) < split.jsonl \
	  | mly-tag $(if $(ORGANIZATION),--organization $(ORGANIZATION)) --desc mapillary_image_description.json > $@

gpx: ready.gpx
ready.gpx: ready.jsonl
	mly-gpx < $< > $@

upload: uploaded.jsonl
uploaded.jsonl: ready.jsonl
	mly-upload -j $(JOBS) < $< > $@

archive: archived.jsonl
archived.jsonl: ready.jsonl
	mly-write < $< > $@

clean:
	rm -f scan.jsonl geotag.jsonl dedupe.jsonl split.jsonl ready.jsonl ready.gpx uploaded.jsonl \
	  archived.jsonl mapillary_image_description.json *-rejected.jsonl
	rm -rf .mly
