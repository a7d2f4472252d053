"""Real image files for the evidence tests, made with Pillow, and where the app stored them."""
import io

from PIL import ExifTags, Image


def jpeg_with_orientation_and_gps(size=(40, 20)) -> bytes:
    """A camera-like JPEG: stored sideways (orientation 6), left half red, right half blue, with GPS."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (14.0, 21.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def png(size=(30, 30), mode="RGB", color="green") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG")
    return buffer.getvalue()


def transparent_png() -> bytes:
    image = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (10, 10, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def stored_files(root):
    uploads = root / "uploads"
    return sorted(p for p in uploads.rglob("*") if p.is_file() and "thumbs" not in p.parts) if uploads.exists() else []


def thumbnails(root):
    return sorted((root / "uploads" / "thumbs").rglob("*.jpg"))
