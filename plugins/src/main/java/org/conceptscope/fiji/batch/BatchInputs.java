package org.conceptscope.fiji.batch;

import org.conceptscope.util.FileNames;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImageSet;
import ij.ImagePlus;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a batch run reads: one image or stack file, or every image file of a folder (name order,
 * {@link ImageSet#EXTENSIONS}), seen as one sequence of batch entries (every slice and frame of
 * every file, file by file). All files must have one size and channel count: the run writes one
 * map stack. Each file is described by its length, time of last change, a quick fingerprint (its
 * first and last MiB) and the SHA-256 of its whole content, so a resumed run can tell that its
 * inputs are still the same files: a file whose length, time and fingerprint are those recorded is
 * taken as unchanged without reading it again; any other is read whole and compared by content (an
 * edit of middle slices that keeps the length is a change; a copy that only changed the time is not).
 */
final class BatchInputs {

	/**
	 * One input file: name, length, time of its last change (ms), fingerprint (length, first and last
	 * MiB), SHA-256 of its whole content (null until {@link #hashed}), and its image's dimensions and
	 * bit depth.
	 */
	record Input(String name, long bytes, long modified, String fingerprint, String sha256, int width, int height, int channels, int bitDepth,
		int slices, int frames) {

		int entries() {
			return slices * frames;
		}

		/** The same file as {@code other} by its recorded length, time and fingerprint (its content then taken as unchanged). */
		boolean sameStamp(Input other) {
			return name.equals(other.name) && bytes == other.bytes && modified == other.modified && fingerprint.equals(other.fingerprint);
		}

		/** The same content and image as {@code other}: the time of the last change may differ. */
		boolean sameContent(Input other) {
			return name.equals(other.name) && bytes == other.bytes && fingerprint.equals(other.fingerprint) && java.util.Objects.equals(sha256,
				other.sha256) && width == other.width && height == other.height && channels == other.channels && bitDepth == other.bitDepth
				&& slices == other.slices && frames == other.frames;
		}

		Input withSha256(String hash) {
			return new Input(name, bytes, modified, fingerprint, hash, width, height, channels, bitDepth, slices, frames);
		}
	}

	/** Entries [from, to) of input {@code input}, which are entries [globalFrom, ...) of the run. */
	record Segment(int input, int from, int to, int globalFrom) {}

	/** Bytes read from each end of a file for its fingerprint. */
	private static final int FINGERPRINT_BYTES = 1 << 20;

	private final Path source;
	private final boolean folder;
	private final List<Path> files;
	private final List<Input> inputs;
	private final int[] offsets;
	private int openIndex = -1;
	private ImagePlus openImage;

	/** Whether an input is an 8-bit image with a colour palette (an RGB model reads its colours); not known for a manifest's inputs. */
	private final boolean palette;

	private BatchInputs(Path source, boolean folder, List<Path> files, List<Input> inputs, boolean palette) {
		this.source = source;
		this.folder = folder;
		this.files = files;
		this.inputs = inputs;
		this.palette = palette;
		offsets = new int[inputs.size() + 1];
		for (int i = 0; i < inputs.size(); i++) offsets[i + 1] = Math.addExact(offsets[i], inputs.get(i).entries());
	}

	/** Opens every input once to read its dimensions (TIFFs as virtual stacks: only their headers are read). */
	static BatchInputs scan(Path input) throws IOException {
		if (input == null || input.toString().isBlank()) {
			throw new IllegalArgumentException("No input given: set input=<a stack file or a folder of images>.");
		}
		if (!Files.exists(input)) {
			String lost = FileNames.unreachableHint(input);
			throw new IllegalArgumentException("The input " + input.toAbsolutePath() + (lost.isEmpty()
				? " does not exist: give a stack file or a folder of images." : " cannot be opened." + lost));
		}
		boolean folder = Files.isDirectory(input);
		List<Path> files;
		if (folder) {
			try (Stream<Path> s = Files.list(input)) {
				files = s.filter(Files::isRegularFile).filter(ImageSet::isImageFile).sorted().toList();
			}
			if (files.isEmpty()) {
				throw new IllegalArgumentException("The folder " + input.toAbsolutePath() + " holds no images ("
					+ String.join(", ", ImageSet.EXTENSIONS) + ").");
			}
		} else {
			files = List.of(input);
		}
		List<Input> inputs = new ArrayList<>();
		boolean palette = false;
		for (Path f : files) {
			ImagePlus imp = StackRunner.openVirtual(f);
			ImagePlusTensors.check(imp);
			Input in = new Input(f.getFileName().toString(), Files.size(f), Files.getLastModifiedTime(f).toMillis(), fingerprint(f), null,
				imp.getWidth(), imp.getHeight(), ImagePlusTensors.channels(imp), imp.getBitDepth(), imp.getNSlices(), imp.getNFrames());
			if (!inputs.isEmpty()) sameShape(inputs.get(0), in);
			inputs.add(in);
			palette |= imp.getBitDepth() == 8 && imp.getNChannels() == 1 && imp.getProcessor() != null && imp.getProcessor().isColorLut();
		}
		return new BatchInputs(input.toAbsolutePath().normalize(), folder, files, List.copyOf(inputs), palette);
	}

	/**
	 * These inputs with the SHA-256 of each file's content: taken from {@code known} (a run's record of
	 * the same files) for a file whose length, time and fingerprint it records, else read whole. A run
	 * reads its inputs whole once, at its start; a resume reads again only files whose time changed.
	 *
	 * @param reading told once how many bytes are to be read, before they are (none: nothing is said)
	 */
	BatchInputs hashed(List<Input> known, java.util.function.LongConsumer reading) throws IOException {
		return new BatchInputs(source, folder, files, withSha256(inputs, files, known, reading), palette);
	}

	/**
	 * {@code stamped} (file i is {@code files.get(i)}) with the SHA-256 of each file's content, as {@link #hashed} takes
	 * them: from {@code known} where it records the same length, time and fingerprint, else read whole.
	 */
	static List<Input> withSha256(List<Input> stamped, List<Path> files, List<Input> known, java.util.function.LongConsumer reading)
		throws IOException {
		List<Input> out = new ArrayList<>(stamped.size());
		long toRead = 0;
		String[] hashes = new String[stamped.size()];
		for (int i = 0; i < stamped.size(); i++) {
			Input in = stamped.get(i);
			for (Input k : known) {
				if (k.sha256() != null && k.sameStamp(in)) {
					hashes[i] = k.sha256();
					break;
				}
			}
			if (hashes[i] == null) toRead += in.bytes();
		}
		if (toRead > 0 && reading != null) reading.accept(toRead);
		for (int i = 0; i < stamped.size(); i++) {
			String hash = hashes[i];
			if (hash == null) {
				Sha256 sha = new Sha256();
				sha.addFile("", files.get(i));
				hash = sha.hex();
			}
			out.add(stamped.get(i).withSha256(hash));
		}
		return List.copyOf(out);
	}

	/** Whether an input is an 8-bit image with a colour palette. */
	boolean palette() {
		return palette;
	}

	/** Bytes a pixel of one entry's planes as read, the largest over the inputs (RGB: 4, 8-bit: 1 per channel, 16-bit: 2, 32-bit: 4). */
	int sourceBytes() {
		int most = 1;
		for (Input in : inputs) {
			int perChannel = in.bitDepth() == 8 ? 1 : in.bitDepth() == 16 ? 2 : 4;
			int imageJChannels = in.bitDepth() == 24 ? Math.max(1, in.channels() / 3) : in.channels();
			most = Math.max(most, perChannel * Math.max(1, imageJChannels));
		}
		return most;
	}

	/**
	 * The inputs a manifest describes, as scanned by the run that wrote it (nothing is read now):
	 * a worker elsewhere computes parts of that run without scanning the whole input again.
	 */
	static BatchInputs of(BatchManifest m) {
		Path source = Path.of(m.input);
		List<Path> files = m.folder ? m.inputs.stream().map(in -> source.resolve(in.name())).toList() : List.of(source);
		return new BatchInputs(source, m.folder, files, List.copyOf(m.inputs), false);
	}

	private static void sameShape(Input first, Input other) {
		if (first.width() != other.width() || first.height() != other.height() || first.channels() != other.channels()) {
			throw new IllegalArgumentException("'" + other.name() + "' is " + other.width() + " x " + other.height() + " x "
				+ other.channels() + " but '" + first.name() + "' is " + first.width() + " x " + first.height() + " x "
				+ first.channels() + ": a batch run writes one map stack, so give a folder of images of one size and channel"
				+ " count (macros/batch_folder.ijm handles mixed sizes, one image at a time).");
		}
	}

	/**
	 * SHA-256 of the length and of the first and last MiB: cheap for huge stacks, it catches most changes (a
	 * TIFF's header and first planes, its last planes); an edit in the middle is caught by the time and the
	 * whole content's SHA-256 ({@link #hashed}).
	 */
	static String fingerprint(Path file) throws IOException {
		try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
			MessageDigest sha = org.conceptscope.util.Digests.sha256();
			long length = f.length();
			sha.update(Long.toString(length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			byte[] buffer = new byte[(int) Math.min(FINGERPRINT_BYTES, length)];
			f.readFully(buffer);
			sha.update(buffer);
			if (length > FINGERPRINT_BYTES) {
				buffer = new byte[(int) Math.min(FINGERPRINT_BYTES, length - FINGERPRINT_BYTES)];
				f.seek(length - buffer.length);
				f.readFully(buffer);
				sha.update(buffer);
			}
			return HexFormat.of().formatHex(sha.digest());
		}
	}

	Path source() {
		return source;
	}

	boolean isFolder() {
		return folder;
	}

	List<Input> inputs() {
		return inputs;
	}

	/** Batch entries of all inputs together. */
	int size() {
		return offsets[offsets.length - 1];
	}

	int width() {
		return inputs.get(0).width();
	}

	int height() {
		return inputs.get(0).height();
	}

	/** The outputs' base name: the stack's file name without extension, as the Attribution command names its results, or the folder's name. */
	String baseName() {
		String name = source.getFileName() == null ? "images" : source.getFileName().toString();
		return folder ? name : org.conceptscope.fiji.image.ImageTitles.base(name, "images");
	}

	/** Entries [from, to) of the run, cut at file boundaries. */
	List<Segment> segments(int from, int to) {
		List<Segment> out = new ArrayList<>();
		for (int i = 0; i < inputs.size() && from < to; i++) {
			if (offsets[i + 1] <= from) continue;
			int end = Math.min(to, offsets[i + 1]);
			out.add(new Segment(i, from - offsets[i], end - offsets[i], from));
			from = end;
		}
		return out;
	}

	/**
	 * Input i as an image (TIFFs as virtual stacks); the last one opened is kept for the next
	 * call. Fails when the file no longer has the dimensions it was scanned with.
	 */
	ImagePlus open(int i) {
		if (i == openIndex) return openImage;
		ImagePlus imp = StackRunner.openVirtual(files.get(i));
		Input in = inputs.get(i);
		if (imp.getWidth() != in.width() || imp.getHeight() != in.height() || imp.getNSlices() != in.slices()
			|| imp.getNFrames() != in.frames() || ImagePlusTensors.channels(imp) != in.channels()) {
			throw new IllegalArgumentException(files.get(i) + " changed since the batch run started (it is no longer "
				+ in.width() + " x " + in.height() + " x " + in.channels() + " with " + in.slices() + " slices, " + in.frames()
				+ " frames): restore it, or run again with restart to start over.");
		}
		openIndex = i;
		openImage = imp;
		return imp;
	}
}
