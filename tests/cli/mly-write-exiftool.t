#require exiftool
mly-write's tags as exiftool reads them, on photos the test generates.

  $ $ROOT/build/helpers/mkphotos p 5 --kb 8 --start '2024:03:31 01:45:00'

Every field at once: a southern and eastern position with nine decimals,
an altitude below sea level, the local time at +05:30 with milliseconds,
GPS date and time in UTC, heading, camera, orientation, and a description
object as compact JSON. The generator's own ImageDescription is replaced,
its ExifVersion kept:

  $ echo '{"path":"p/IMG_00001.JPG","lat":-33.868819123,"lon":151.209290456,"alt":-12.345,"heading":123.4567,"captured_at":"2025-07-28T20:07:30.120Z","utc_offset":"+05:30","make":"Acme","model":"Street 3000","orientation":6,"description":{"MAPLatitude":-33.8,"note":"a b"}}' | mly-write -q > /dev/null
  $ exiftool -a -s -s -G1 -n -exif:all -xmp:all p/IMG_00001.JPG
  [IFD0] ImageDescription: {"MAPLatitude":-33.8,"note":"a b"}
  [IFD0] Make: Acme
  [IFD0] Model: Street 3000
  [IFD0] Orientation: 6
  [IFD0] XResolution: 72
  [IFD0] YResolution: 72
  [IFD0] ResolutionUnit: 2
  [IFD0] YCbCrPositioning: 1
  [ExifIFD] ExifVersion: 0231
  [ExifIFD] DateTimeOriginal: 2025:07:29 01:37:30
  [ExifIFD] OffsetTimeOriginal: +05:30
  [ExifIFD] ComponentsConfiguration: 1 2 3 0
  [ExifIFD] SubSecTimeOriginal: 120
  [ExifIFD] FlashpixVersion: 0100
  [ExifIFD] ColorSpace: 1
  [GPS] GPSVersionID: 2 3 0 0
  [GPS] GPSLatitudeRef: S
  [GPS] GPSLatitude: 33.868819123
  [GPS] GPSLongitudeRef: E
  [GPS] GPSLongitude: 151.209290456
  [GPS] GPSAltitudeRef: 1
  [GPS] GPSAltitude: 12.345
  [GPS] GPSTimeStamp: 20:07:30.12
  [GPS] GPSImgDirectionRef: T
  [GPS] GPSImgDirection: 123.4567
  [GPS] GPSMapDatum: WGS-84
  [GPS] GPSDateStamp: 2025:07:28

Northern and western, above sea level, at -07:00 across midnight: exiftool's
signed composite values and its reading of the time with sub-seconds and
offset:

  $ echo '{"path":"p/IMG_00002.JPG","lat":40.689247123,"lon":-74.044502456,"alt":93.5,"captured_at":"2024-03-01T03:00:00.001Z","utc_offset":"-07:00"}' | mly-write -q > /dev/null
  $ exiftool -s -s -n -Composite:GPSLatitude -Composite:GPSLongitude -Composite:GPSAltitude -SubSecDateTimeOriginal -GPSDateTime p/IMG_00002.JPG
  GPSLatitude: 40.689247123
  GPSLongitude: -74.044502456
  GPSAltitude: 93.5
  SubSecDateTimeOriginal: 2024:02:29 20:00:00.001-07:00
  GPSDateTime: 2024:03:01 03:00:00.001Z

Without a position, captured_at writes no GPS date or time stamp; without
utc_offset or --tz the offset is +00:00, with --tz that of the zone then:

  $ echo '{"path":"p/IMG_00003.JPG","captured_at":"2024-07-01T10:00:00.500Z"}' | mly-write -q > /dev/null
  $ exiftool -a -s -s -G1 -n -GPS:all -ExifIFD:DateTimeOriginal -ExifIFD:SubSecTimeOriginal -ExifIFD:OffsetTimeOriginal p/IMG_00003.JPG
  [ExifIFD] DateTimeOriginal: 2024:07:01 10:00:00
  [ExifIFD] SubSecTimeOriginal: 500
  [ExifIFD] OffsetTimeOriginal: +00:00
  $ echo '{"path":"p/IMG_00003.JPG","captured_at":"2024-07-01T10:00:00.500Z"}' | mly-write -q --tz America/New_York > /dev/null
  $ exiftool -s -s -n -SubSecDateTimeOriginal p/IMG_00003.JPG
  SubSecDateTimeOriginal: 2024:07:01 06:00:00.500-04:00

Writing again replaces the values; no tag is listed twice, the other tags
stay, and exiftool has no warning:

  $ echo '{"path":"p/IMG_00001.JPG","lat":1.5,"lon":-2.5,"alt":0.25,"heading":0}' | mly-write -q > /dev/null
  $ exiftool -a -s -s -G1 -n -exif:all p/IMG_00001.JPG | cut -d: -f1 | sort | uniq -d
  $ exiftool -s -s -n -ImageDescription -Make -GPSLatitude -GPSLongitude -GPSAltitude -GPSAltitudeRef -GPSImgDirection -DateTimeOriginal -Warning p/IMG_00001.JPG
  ImageDescription: {"MAPLatitude":-33.8,"note":"a b"}
  Make: Acme
  GPSLatitude: 1.5
  GPSLongitude: -2.5
  GPSAltitude: 0.25
  GPSAltitudeRef: 0
  GPSImgDirection: 0
  DateTimeOriginal: 2025:07:29 01:37:30

A spherical photo gets the GPano tags, sized from the JPEG, with the
heading:

  $ echo '{"path":"p/IMG_00004.JPG","camera_type":"spherical","heading":359.5}' | mly-write -q > /dev/null
  $ exiftool -s -s -n -xmp-gpano:all -ImageWidth -ImageHeight p/IMG_00004.JPG
  ProjectionType: equirectangular
  UsePanoramaViewer: True
  CroppedAreaImageWidthPixels: 99
  CroppedAreaImageHeightPixels: 74
  FullPanoWidthPixels: 99
  FullPanoHeightPixels: 74
  CroppedAreaLeftPixels: 0
  CroppedAreaTopPixels: 0
  PoseHeadingDegrees: 359.5
  ImageWidth: 99
  ImageHeight: 74

A photo without any EXIF gets a new one with what the record says and the
tags the Exif standard requires of a JPEG (resolution, YCbCr positioning,
Exif and FlashPix versions, components, colour space, the image size taken
from the JPEG); exiftool reads it cleanly and finds nothing to warn of:

  $ $ROOT/build/helpers/mkphotos bare 1 --kb 8 --no-exif
  $ echo '{"path":"bare/IMG_00001.JPG","make":"Acme","lat":0.5,"lon":0.25}' | mly-write -q > /dev/null
  $ exiftool -a -s -s -G1 -n -exif:all -Warning -Error bare/IMG_00001.JPG
  [IFD0] Make: Acme
  [IFD0] XResolution: 72
  [IFD0] YResolution: 72
  [IFD0] ResolutionUnit: 2
  [IFD0] YCbCrPositioning: 1
  [ExifIFD] ExifVersion: 0231
  [ExifIFD] ComponentsConfiguration: 1 2 3 0
  [ExifIFD] FlashpixVersion: 0100
  [ExifIFD] ColorSpace: 1
  [ExifIFD] ExifImageWidth: 99
  [ExifIFD] ExifImageHeight: 74
  [GPS] GPSVersionID: 2 3 0 0
  [GPS] GPSLatitudeRef: N
  [GPS] GPSLatitude: 0.5
  [GPS] GPSLongitudeRef: E
  [GPS] GPSLongitude: 0.25
  [GPS] GPSMapDatum: WGS-84
  $ exiftool -s -s -validate bare/IMG_00001.JPG
  Validate: OK

--dry-run writes no tag:

  $ echo '{"path":"p/IMG_00005.JPG","lat":1,"lon":1,"make":"Dry"}' | mly-write -n > /dev/null
  $ exiftool -s -s -Make -GPSLatitude p/IMG_00005.JPG
  Make: MlyCam
