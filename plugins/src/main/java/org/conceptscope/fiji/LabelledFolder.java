package org.conceptscope.fiji;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * Labelled images the way a Fiji user keeps them: a folder with one subfolder per class, named
 * after the model's classes, holding that class's images (single images or stacks; every slice
 * and frame is one sample). Other files in the top folder are skipped, but an image there is an
 * error (it would have no label). The images are only read.
 */
public final class LabelledFolder {

	/** Normalised images [N, H, W, C] in class order, their labels, and the number of images per class. */
	public record Data(FloatTensor images, int[] labels, int[] counts) {}

	private LabelledFolder() {}

	/**
	 * @param classes the model's class names; subfolder names must be among them (exactly, or
	 *        ignoring case when that is unambiguous)
	 * @param input the model's input [N, H, W, C]; every image must have its height, width and channels
	 */
	public static Data read(Path folder, List<String> classes, Normalization normalization, long[] input) throws IOException {
		if (!Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The folder " + folder + " does not exist: give a folder with one subfolder of images per class.");
		}
		List<Path> entries;
		try (Stream<Path> s = Files.list(folder)) {
			entries = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
		}
		List<FloatTensor> parts = new ArrayList<>();
		List<Integer> labels = new ArrayList<>();
		int[] counts = new int[classes.size()];
		for (Path p : entries) {
			String name = p.getFileName().toString();
			if (!Files.isDirectory(p)) {
				if (ImageSet.EXTENSIONS.stream().anyMatch(e -> name.toLowerCase(Locale.ROOT).endsWith(e))) {
					throw new IllegalArgumentException("The image " + p + " lies outside the class subfolders of " + folder
						+ ", so it has no label: move it into the subfolder of its class (" + String.join(", ", classes) + ").");
				}
				continue;
			}
			int k = classOf(name, classes, folder);
			if (counts[k] > 0) throw new IllegalArgumentException("Two subfolders of " + folder + " name the class '" + classes.get(k) + "'.");
			FloatTensor t = ImageSet.ofFolder(p).toTensor(normalization);
			long[] s = t.shape();
			if (s[1] != input[1] || s[2] != input[2] || s[3] != input[3]) {
				throw new IllegalArgumentException("The images in " + p + " are " + s[2] + " x " + s[1] + " with " + s[3] + " channel(s), but"
					+ " the model takes " + input[2] + " x " + input[1] + " with " + input[3] + ": give images of the model's input size.");
			}
			parts.add(t);
			counts[k] = (int) s[0];
			for (int i = 0; i < s[0]; i++) labels.add(k);
		}
		long present = Arrays.stream(counts).filter(c -> c > 0).count();
		if (present < 2) {
			throw new IllegalArgumentException("The folder " + folder + " holds images of " + present + " class(es); give one subfolder of"
				+ " images for each of at least 2 classes, named after the model's classes (" + String.join(", ", classes) + ").");
		}
		return new Data(FloatTensor.concat(parts), labels.stream().mapToInt(Integer::intValue).toArray(), counts);
	}

	/** The class a subfolder names: exact, or ignoring case when only one class matches. */
	static int classOf(String name, List<String> classes, Path folder) {
		int exact = classes.indexOf(name);
		if (exact >= 0) return exact;
		int found = -1;
		for (int k = 0; k < classes.size(); k++) {
			if (classes.get(k).equalsIgnoreCase(name)) {
				if (found >= 0) found = -2;
				else if (found == -1) found = k;
			}
		}
		if (found >= 0) return found;
		throw new IllegalArgumentException("The subfolder '" + name + "' of " + folder + " is not a class of the model: name each"
			+ " subfolder after one of its classes (" + String.join(", ", classes) + ").");
	}
}
