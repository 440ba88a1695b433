package org.conceptscope.fiji.image;

import org.conceptscope.util.FileNames;
import ij.IJ;
import ij.ImagePlus;
import ij.io.FileInfo;
import ij.io.TiffDecoder;
import ij.plugin.FileInfoVirtualStack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens the image files ConceptScope reads itself (the batch runner's inputs, folders of images,
 * {@code image=<path>}), checked first so that a bad file gets one sentence naming it, what is wrong
 * and what to do, instead of a hang, a stack trace or a dialog: a missing path, a folder, a pipe or
 * device (reading one would block for ever), an unreadable or empty file, a file ImageJ cannot read
 * or that fails inside ImageJ's reader (e.g. a damaged DICOM header), and a TIFF whose planes lie
 * beyond the end of the file (truncated by a copy or a full disk).
 */
public final class ImageFiles {

	private ImageFiles() {}

	/** Why {@code file} cannot be an image, or null when it is a readable, non-empty regular file. */
	static String problem(Path file) {
		Path abs = file.toAbsolutePath();
		// ImageJ opens a file by its name as text: a name this locale cannot write is lost on the way
		String lost = FileNames.unreachableHint(abs);
		if (!lost.isEmpty()) return abs + " cannot be opened." + lost;
		if (!Files.exists(abs)) return abs + " does not exist: check the path.";
		if (Files.isDirectory(abs)) return abs + " is a folder, not an image file: give an image file.";
		if (!Files.isRegularFile(abs)) {
			return abs + " is not a regular file (a pipe, device or socket), which ConceptScope does not read: save the image to a file and give"
				+ " that file.";
		}
		if (!Files.isReadable(abs)) return abs + " cannot be read (permission denied): make it readable, or copy it somewhere you can read.";
		try {
			if (Files.size(abs) == 0) {
				return abs + " is empty (0 bytes), so it holds no image: copy the image again, or remove the file from the folder.";
			}
		} catch (IOException e) {
			return abs + " cannot be read (" + e.getMessage() + "): check the disk and the path.";
		}
		return null;
	}

	/**
	 * For macros ({@code call("org.conceptscope.fiji.image.ImageFiles.check", path)}): the sentence saying
	 * why the file cannot be opened as an image (a pipe, which would block ImageJ's opener for ever,
	 * a folder, an empty, unreadable, truncated or oversized file), or "" when ImageJ may open it.
	 */
	public static String check(String path) {
		if (path == null || path.isBlank()) return "No image file given: give the path of an image file.";
		Path file = Path.of(path);
		String why = problem(file);
		if (why != null) return why;
		String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
		if (name.endsWith(".tif") || name.endsWith(".tiff")) {
			try {
				checkTiff(file.toAbsolutePath());
			} catch (IllegalArgumentException e) {
				return e.getMessage();
			}
		}
		return "";
	}

	/**
	 * The image of a file: TIFFs as virtual stacks when {@code virtualTiff} (only their headers are
	 * read now), anything else as ImageJ opens it. Never opens a dialog: ImageJ's readers are called
	 * directly.
	 *
	 * @throws IllegalArgumentException with one sentence naming the file when it cannot be an image
	 */
	public static ImagePlus open(Path file, boolean virtualTiff) {
		if (file == null) throw new IllegalArgumentException("No image file given: give the path of an image file.");
		String why = problem(file);
		if (why != null) throw new IllegalArgumentException(why);
		Path abs = file.toAbsolutePath();
		String name = abs.getFileName().toString().toLowerCase(Locale.ROOT);
		boolean tiff = name.endsWith(".tif") || name.endsWith(".tiff");
		if (tiff) checkTiff(abs);
		ImagePlus imp;
		try {
			imp = tiff && virtualTiff ? FileInfoVirtualStack.openVirtual(abs.toString()) : IJ.openImage(abs.toString());
		} catch (OutOfMemoryError e) {
			throw new IllegalArgumentException(abs + " is too large to open in the " + ImagePlusTensors.readableSize(Runtime.getRuntime().maxMemory())
				+ " Java may use: save it as an uncompressed TIFF (read plane by plane), crop it, or give Java more memory (-Xmx).");
		} catch (RuntimeException e) {
			// e.g. java.awt.HeadlessException (ImageJ's fallback opener needs a display),
			// NegativeArraySizeException from a DICOM header with impossible lengths
			throw new IllegalArgumentException(unreadable(abs, " (ImageJ's reader failed with " + e.getClass().getSimpleName() + ")"));
		}
		if (imp == null || imp.getWidth() < 1 || imp.getHeight() < 1 || imp.getStackSize() < 1) {
			throw new IllegalArgumentException(unreadable(abs, ""));
		}
		return imp;
	}

	/**
	 * A macro's {@code image=} ({@link org.conceptscope.fiji.param.CommandSpecs#IMAGE}), for the
	 * SciJava command and the ImageJ 1.x plugin alike: an open image's title or ID (as Fiji's legacy
	 * layer resolves it), else an image file, opened without being shown (the file is only read).
	 *
	 * @throws IllegalArgumentException with one sentence when it is neither, or the file is no image
	 */
	public static ImagePlus given(String value) {
		String v = value.trim();
		ImagePlus open = ij.WindowManager.getImage(v);
		if (open == null && v.matches("-?\\d+")) open = ij.WindowManager.getImage(Integer.parseInt(v));
		if (open != null) return open;
		if (!v.isEmpty() && Files.exists(Path.of(v))) return open(Path.of(v), false); // or its sentence
		throw new IllegalArgumentException("image=[" + v + "] is neither the title or ID of an open image nor an image file: give the"
			+ " path of an image file or the title of an open image, or leave image out for the current one.");
	}

	private static String unreadable(Path file, String detail) {
		return "ImageJ could not read " + file + detail + ": it is damaged or not an image format ImageJ reads (TIFF, PNG, JPEG,"
			+ " DICOM...); open it in ImageJ to check, convert it to TIFF, or remove it from the folder.";
	}

	/**
	 * Whether a file that starts as a TIFF has its first IFD (the header of its first plane) cut off,
	 * e.g. by a copy or a full disk; null when it does not start as a TIFF.
	 */
	private static Boolean tiffHeaderCut(Path file) {
		try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
			long length = ch.size();
			java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(8);
			int read = ch.read(head, 0);
			if (read < 4 || !tiffMagic(head)) return null;
			if (read < 8) return true;
			head.order(head.get(0) == 'I' ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
			long ifd = Integer.toUnsignedLong(head.getInt(4));
			java.nio.ByteBuffer count = java.nio.ByteBuffer.allocate(2).order(head.order());
			if (ifd + 2 > length || ch.read(count, ifd) < 2) return true;
			return ifd + 2 + 12L * Short.toUnsignedInt(count.getShort(0)) + 4 > length;
		} catch (IOException e) {
			return null;
		}
	}

	/** "II*\0" or "MM\0*". */
	private static boolean tiffMagic(java.nio.ByteBuffer b) {
		return b.limit() >= 4 && (b.get(0) == 'I' && b.get(1) == 'I' && b.get(2) == 42 && b.get(3) == 0
			|| b.get(0) == 'M' && b.get(1) == 'M' && b.get(2) == 0 && b.get(3) == 42);
	}

	/**
	 * A TIFF whose uncompressed planes end beyond the file is truncated (ImageJ's virtual stack then
	 * quietly shows only the complete planes): refused, saying how many planes are there.
	 */
	private static void checkTiff(Path file) {
		FileInfo[] info;
		long length;
		try {
			info = new TiffDecoder(file.getParent().toString() + java.io.File.separator, file.getFileName().toString()).getTiffInfo();
			length = Files.size(file);
		} catch (IOException | RuntimeException e) {
			// a TIFF whose header fails here fails in ImageJ's opener too, whose fallback then needs a display (a HeadlessException)
			Boolean cut = tiffHeaderCut(file);
			if (Boolean.TRUE.equals(cut)) {
				// ImageJ's words then describe the garbage it read (e.g. "-257-bit images"), not the file's fault
				throw new IllegalArgumentException(file + " is truncated inside its TIFF header: copy or save it again.");
			}
			if (cut != null && e instanceof IOException && e.getMessage() != null && !e.getMessage().isBlank()) {
				// a whole TIFF ImageJ does not read (e.g. a bit depth it lacks): its reason, not a guess
				throw new IllegalArgumentException(unreadable(file, " (" + e.getMessage().strip().replaceAll("\\.$", "") + ")"));
			}
			return; // ImageJ's own reader judges it
		}
		if (info == null || info.length == 0) return;
		FileInfo first = info[0];
		long plane = (long) first.width * first.height, heap = Runtime.getRuntime().maxMemory();
		if (plane > Integer.MAX_VALUE - 8 || plane * Math.max(1, first.getBytesPerPixel()) > heap / 2) {
			throw new IllegalArgumentException(file + " is " + first.width + " x " + first.height + " pixels: one plane alone needs about "
				+ ImagePlusTensors.readableSize(plane * Math.max(1, first.getBytesPerPixel())) + (plane > Integer.MAX_VALUE - 8
					? ", and ImageJ holds at most 2^31 pixels per plane" : ", more than half the " + ImagePlusTensors.readableSize(heap)
						+ " Java may use")
				+ ": export the region to explain as a smaller TIFF (crop or scale it down in a viewer that reads large images in"
				+ " tiles, e.g. Bio-Formats or QuPath)" + (plane > Integer.MAX_VALUE - 8 ? "" : ", or give Java more memory (-Xmx; in Fiji, Edit >"
					+ " Options > Memory & Threads...)") + ".");
		}
		long planes = 0, complete = 0;
		for (FileInfo fi : info) {
			if (fi.compression > FileInfo.COMPRESSION_NONE) return; // compressed planes: sizes unknown here
			int n = Math.max(1, fi.nImages);
			long bytes = (long) fi.width * fi.height * fi.getBytesPerPixel();
			if (bytes <= 0) return;
			for (int i = 0; i < n; i++) {
				planes++;
				if (fi.getOffset() + i * (bytes + fi.gapBetweenImages) + bytes <= length) complete++;
			}
		}
		if (complete < planes) {
			throw new IllegalArgumentException(file + " is truncated: its header declares " + planes + " planes but the file ("
				+ length + " bytes) holds only " + complete + " complete: copy or save it again.");
		}
	}
}
