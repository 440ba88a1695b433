package org.conceptscope.fiji.image;

import ij.ImagePlus;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * Several ImageJ images (a stack, or every image of a folder) seen as one batch: batch entry i is
 * slice/frame {@link #batchOf} of image {@link #imageOf}. The images are only read.
 */
public final class ImageSet {

	/** File endings read from a folder, as the batch macro does. */
	public static final List<String> EXTENSIONS = List.of(".tif", ".tiff", ".png", ".jpg", ".jpeg", ".dcm");

	private final List<ImagePlus> images;
	private final int[] offsets;
	/** The folder the images were read from, or null: a refusal of one image then names it as one of the folder's. */
	private final Path folder;

	public ImageSet(List<ImagePlus> images) {
		this(images, null);
	}

	private ImageSet(List<ImagePlus> images, Path folder) {
		if (images.isEmpty()) throw new IllegalArgumentException("No images given.");
		this.folder = folder;
		this.images = List.copyOf(images);
		offsets = new int[images.size() + 1];
		for (int i = 0; i < images.size(); i++) offsets[i + 1] = offsets[i] + ImagePlusTensors.batches(images.get(i)).size();
	}

	/**
	 * Whether a file's name ends in one of {@link #EXTENSIONS} (any case) and is not hidden: macOS leaves
	 * "._x.tif" resource files beside images on shared disks, which ImageJ's own folder listings skip too.
	 */
	public static boolean isImageFile(Path file) {
		String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
		return !name.startsWith(".") && EXTENSIONS.stream().anyMatch(name::endsWith);
	}

	/** Every image file of a folder, in name order; other files are skipped. */
	public static ImageSet ofFolder(Path folder) throws IOException {
		return ofFolder(folder, org.conceptscope.util.Progress.NONE);
	}

	/**
	 * {@link #ofFolder(Path)}, each file read reported to {@code progress} ("reading images", files done
	 * of all: a folder of many large images takes a while), which can stop the reading.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is kept)
	 */
	public static ImageSet ofFolder(Path folder, org.conceptscope.util.Progress progress) throws IOException {
		return ofFiles(folder, files(folder), progress);
	}

	/** {@link #ofFolder(Path, org.conceptscope.util.Progress)} of the folder's image files, already listed. */
	static ImageSet ofFiles(Path folder, List<Path> files, org.conceptscope.util.Progress progress) throws IOException {
		if (files.isEmpty()) throw noImages(folder);
		List<ImagePlus> images = new ArrayList<>();
		for (int i = 0; i < files.size(); i++) {
			if (!progress.report(i, files.size(), "reading images")) throw new java.util.concurrent.CancellationException("cancelled");
			images.add(ImageFiles.open(files.get(i), false));
		}
		return new ImageSet(images, folder);
	}

	/** The folder the images were read from ({@link #ofFolder}), or null. */
	public Path folder() {
		return folder;
	}

	/** The image files of a folder, in the order {@link #ofFolder} reads them. */
	public static List<Path> files(Path folder) throws IOException {
		try (Stream<Path> s = Files.list(folder)) {
			return s.filter(Files::isRegularFile).filter(ImageSet::isImageFile).sorted().toList();
		}
	}

	/** The sentence for a folder without images. */
	static IllegalArgumentException noImages(Path folder) {
		return new IllegalArgumentException("The folder " + folder + " holds no images (" + String.join(", ", EXTENSIONS) + ").");
	}

	public int size() {
		return offsets[offsets.length - 1];
	}

	public List<ImagePlus> images() {
		return images;
	}

	/** The image that batch entry i comes from. */
	public ImagePlus imageOf(int i) {
		return images.get(source(i));
	}

	/** Batch entry i's index within its own image. */
	public int batchOf(int i) {
		return i - offsets[source(i)];
	}

	/**
	 * For every batch entry, the slice it was read from, numbered over the set: the tiles of one
	 * slice of a tile stack ({@link ImageTiles}) share one, any other entry has its own. Splits into
	 * training and held-out images keep a slice's tiles on one side, so no held-out tile has a
	 * neighbour it overlaps, or a part of its own image, in the training side.
	 */
	public int[] sources() {
		int[] out = new int[size()];
		int next = -1;
		for (int i = 0; i < images.size(); i++) {
			for (int j = offsets[i], previous = -1; j < offsets[i + 1]; j++) {
				int entry = ImageTiles.place(images.get(i), j - offsets[i]).entry();
				if (entry != previous) next++;
				previous = entry;
				out[j] = next;
			}
		}
		return out;
	}

	private int source(int i) {
		if (i < 0 || i >= size()) throw new IndexOutOfBoundsException("Batch entry " + i + " of " + size());
		int s = 0;
		while (offsets[s + 1] <= i) s++;
		return s;
	}

	/** All images as one normalised batch [N, H, W, C]; every image must have the same size and channels. */
	public FloatTensor toTensor(Normalization normalization) {
		ImagePlus first = images.get(0);
		long values = 0;
		for (ImagePlus imp : images) values += (long) imp.getWidth() * imp.getHeight() * ImagePlusTensors.channels(imp) * ImagePlusTensors.batches(imp).size();
		if (images.size() > 1) ImagePlusTensors.checkMemory("The " + images.size() + " images", values, 8); // the parts and their concatenation
		List<FloatTensor> parts = new ArrayList<>();
		for (ImagePlus imp : images) {
			ImagePlusTensors.check(imp);
			if (imp.getWidth() != first.getWidth() || imp.getHeight() != first.getHeight()
				|| ImagePlusTensors.channels(imp) != ImagePlusTensors.channels(first)) {
				throw new IllegalArgumentException("'" + imp.getTitle() + "' is " + imp.getWidth() + " x " + imp.getHeight() + " x "
					+ ImagePlusTensors.channels(imp) + " but '" + first.getTitle() + "' is " + first.getWidth() + " x "
					+ first.getHeight() + " x " + ImagePlusTensors.channels(first) + ": give images of one size and channel count.");
			}
			parts.add(ImagePlusTensors.toTensor(imp, normalization).tensor());
		}
		return parts.size() == 1 ? parts.get(0) : FloatTensor.concat(parts);
	}

	/** A copy of the displayable first-channel plane (RGB stays RGB) of batch entry i. */
	public ImageProcessor plane(int i) {
		ImagePlus imp = imageOf(i);
		BatchIndex b = ImagePlusTensors.batches(imp);
		int k = batchOf(i);
		ImageProcessor ip = imp.getStack().getProcessor(ImagePlusTensors.stackIndex(imp, 1, b.slice(k), b.frame(k))).duplicate();
		if (imp instanceof ij.CompositeImage ci && imp.getNChannels() > 1) {
			ij.process.LUT first = ci.getChannelLut(1); // the channel shown, whichever channel the image has selected
			ip.setMinAndMax(first.min, first.max);
		} else if (imp.getBitDepth() != 24) {
			ip.setMinAndMax(imp.getDisplayRangeMin(), imp.getDisplayRangeMax());
		}
		return ip;
	}

	/** Property of an image made by {@link #entry}: the name {@link #describe} gives it. */
	private static final String ENTRY_NAME = "ConceptScope.entry";

	/**
	 * One entry of a set as an image of its own (a subset's member), which {@link #describe} names
	 * as the set named it ("ihc.png x=32 y=0", not "ihc.png x=32 y=0 slice 1").
	 */
	public static ImagePlus entry(String name, ImageProcessor plane) {
		ImagePlus imp = new ImagePlus(name, plane);
		imp.setProperty(ENTRY_NAME, name);
		return imp;
	}

	/** "title slice z" of batch entry i, for labels; "title [slice z] x=.. y=.." for a tile ({@link ImageTiles}). */
	public String describe(int i) {
		ImagePlus imp = imageOf(i);
		if (imp.getProperty(ENTRY_NAME) instanceof String name) return name;
		BatchIndex b = ImagePlusTensors.batches(imp);
		int k = batchOf(i);
		if (ImageTiles.isTileStack(imp)) return imp.getStack().getSliceLabel(ImagePlusTensors.stackIndex(imp, 1, b.slice(k), b.frame(k)));
		return imp.getTitle() + " slice " + b.slice(k) + (b.frames() > 1 ? " frame " + b.frame(k) : "");
	}
}
