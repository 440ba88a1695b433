package org.conceptscope.fiji.image;

import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Locale;
import java.util.stream.Stream;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * Labelled images the way a Fiji user keeps them: a folder with one subfolder per class, named
 * after one of the model's classes (exactly, or else ignoring case with {@code _} for a space when
 * only one class matches: {@code soft_tissue} is class "soft tissue"), holding that class's images
 * ({@link ImageSet#EXTENSIONS}; every slice and frame is one sample, or every tile of it where the
 * caller cuts images larger than the model's input, each with its image's class). Other files and hidden
 * folders in the top folder are skipped, but an image there is an error (it would have no label).
 * Every subfolder name is checked before any image is opened. Each image is named by its path in
 * the folder ({@code hematoxylin/img-01.png}), since class subfolders often hold files of the same
 * names; results name samples that way. The images are only read.
 */
public final class LabelledFolder {

	/**
	 * The images in subfolder (name) order, as read and as the model's normalised input [N, H, W, C],
	 * the class of each entry, the number of entries per class and the classes that have a subfolder.
	 */
	public record Data(ImageSet images, FloatTensor tensor, int[] labels, int[] counts, List<String> subfolders) {}

	private LabelledFolder() {}

	/**
	 * @param classes the model's class names
	 * @param input the model's input [N, H, W, C]; every sample must have its height, width and channels
	 *        where they are fixed
	 * @param asSamples a class's images as the model's samples (e.g. a palette as its colours, a large
	 *        image as its tiles: {@link ImageSet#sources} then says which entries share an image)
	 */
	public static Data read(Path folder, List<String> classes, Normalization normalization, long[] input, UnaryOperator<ImageSet> asSamples)
		throws IOException {
		return read(folder, classes, normalization, input, asSamples, org.conceptscope.util.Progress.NONE);
	}

	/**
	 * {@link #read(Path, List, Normalization, long[], UnaryOperator)}, each file read reported to
	 * {@code progress} ("reading images", files done of all the subfolders'), which can stop the reading.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static Data read(Path folder, List<String> classes, Normalization normalization, long[] input, UnaryOperator<ImageSet> asSamples,
		org.conceptscope.util.Progress progress) throws IOException {
		List<Subfolder> subs = subfolders(folder, classes);
		List<List<Path>> listed = new ArrayList<>(); // each subfolder listed once: for the total, then for reading
		for (Subfolder sub : subs) listed.add(ImageSet.files(sub.path()));
		final int total = listed.stream().mapToInt(List::size).sum();
		int[] before = { 0 }; // files of the subfolders read so far
		List<ImagePlus> all = new ArrayList<>();
		List<FloatTensor> parts = new ArrayList<>();
		List<Integer> labels = new ArrayList<>();
		int[] counts = new int[classes.size()];
		List<String> used = new ArrayList<>();
		for (int i = 0; i < subs.size(); i++) {
			Path p = subs.get(i).path();
			int k = subs.get(i).label();
			used.add(classes.get(k));
			ImageSet read = ImageSet.ofFiles(p, listed.get(i), (done, inFolder, message) -> progress.report(before[0] + done, total, message));
			before[0] += read.images().size();
			for (ImagePlus imp : read.images()) imp.setTitle(p.getFileName() + "/" + imp.getTitle()); // our own copy, opened here
			ImageSet set = asSamples.apply(read);
			FloatTensor t = set.toTensor(normalization);
			long[] s = t.shape();
			for (int d = 1; d <= 3; d++) {
				if (input[d] > 0 && s[d] != input[d]) {
					throw new IllegalArgumentException("The images in " + p + " are " + s[2] + " x " + s[1] + " with " + s[3] + " channel(s), but"
						+ " the model takes " + input[2] + " x " + input[1] + " with " + input[3] + ": give images of the model's input size or larger.");
				}
			}
			all.addAll(set.images());
			parts.add(t);
			counts[k] = (int) s[0];
			for (int j = 0; j < s[0]; j++) labels.add(k);
		}
		return new Data(new ImageSet(all), FloatTensor.concat(parts), labels.stream().mapToInt(Integer::intValue).toArray(), counts, used);
	}

	/**
	 * Every image file of the class subfolders, in the order {@link #read} reads them, with its
	 * class; nothing is opened. Checks the folder as {@link #read} does.
	 */
	public static List<LabelledFile> files(Path folder, List<String> classes) throws IOException {
		List<LabelledFile> out = new ArrayList<>();
		for (Subfolder sub : subfolders(folder, classes)) {
			List<Path> files = ImageSet.files(sub.path());
			if (files.isEmpty()) throw ImageSet.noImages(sub.path());
			for (Path f : files) out.add(new LabelledFile(f, sub.label()));
		}
		return out;
	}

	/** An image file and the index of its class. */
	public record LabelledFile(Path file, int label) {}

	private record Subfolder(Path path, int label) {}

	/** The class subfolders in name order, each checked against the classes before any image is opened. */
	private static List<Subfolder> subfolders(Path folder, List<String> classes) throws IOException {
		if (!Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The folder " + folder + " does not exist: give a folder with one subfolder of images per class.");
		}
		List<Path> entries;
		try (Stream<Path> s = Files.list(folder)) {
			entries = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
		}
		List<Subfolder> subs = new ArrayList<>();
		List<String> used = new ArrayList<>();
		for (Path p : entries) {
			String name = p.getFileName().toString();
			if (!Files.isDirectory(p)) {
				if (ImageSet.isImageFile(p)) {
					throw new IllegalArgumentException("The image " + p + " lies outside the class subfolders of " + folder
						+ ", so it has no label: move it into the subfolder of its class (" + String.join(", ", classes) + ").");
				}
				continue;
			}
			int k = classOf(name, classes, folder);
			if (used.contains(classes.get(k))) throw new IllegalArgumentException("Two subfolders of " + folder + " name the class '" + classes.get(k) + "'.");
			used.add(classes.get(k));
			subs.add(new Subfolder(p, k));
		}
		// an empty subfolder is refused when it is read (ImageSet), so every subfolder counts as a class with images
		if (subs.size() < 2) {
			throw new IllegalArgumentException("The folder " + folder + " holds images of " + subs.size() + " class(es); give one subfolder of"
				+ " images for each of at least 2 classes, named after the model's classes (" + String.join(", ", classes) + ").");
		}
		return subs;
	}

	/** The class a subfolder names: exact, or else ignoring case with '_' for ' ' when only one class matches. */
	static int classOf(String name, List<String> classes, Path folder) {
		int exact = classes.indexOf(name);
		if (exact >= 0) return exact;
		int found = -1;
		for (int k = 0; k < classes.size(); k++) {
			if (key(classes.get(k)).equals(key(name))) found = found == -1 ? k : -2;
		}
		if (found >= 0) return found;
		throw new IllegalArgumentException("The subfolder '" + name + "' of " + folder + " is not a class of the model: name each"
			+ " subfolder after one of its classes (" + String.join(", ", classes) + "). Case does not matter and '_' stands for a space.");
	}

	private static String key(String s) {
		return s.trim().replace('_', ' ').replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
	}
}
