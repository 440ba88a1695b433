package org.conceptscope.fiji;

import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A folder of labelled images: one subfolder per class, each named after one of the model's
 * classes (compared ignoring case, with underscores standing for spaces: {@code soft_tissue} is
 * class "soft tissue"). Every image of a subfolder ({@link ImageSet#EXTENSIONS}, every slice of a
 * stack) is one labelled example; files beside the subfolders and hidden folders are skipped.
 */
public final class LabelledFolders {

	/** All examples as one image set, the class index of each batch entry, and which classes have a subfolder. */
	public record Labelled(ImageSet images, int[] labels, List<String> subfolders) {}

	private LabelledFolders() {}

	public static Labelled read(Path folder, List<String> classNames) throws IOException {
		List<Path> subs;
		try (Stream<Path> s = Files.list(folder)) {
			subs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
		}
		if (subs.size() < 2) {
			throw new IllegalArgumentException("The folder " + folder + " has " + subs.size() + " class subfolder(s): put the images of each"
				+ " class in a subfolder named after it (" + String.join(", ", classNames) + "), at least two classes.");
		}
		// every name is checked before any image is opened: a misnamed folder is reported as such
		List<Integer> classOfSub = new ArrayList<>();
		List<String> used = new ArrayList<>();
		for (Path sub : subs) {
			String name = sub.getFileName().toString();
			int k = classOf(name, classNames);
			if (k < 0) {
				throw new IllegalArgumentException("The subfolder '" + name + "' of " + folder + " is not a class of the model: rename it to"
					+ " one of " + String.join(", ", classNames) + " (case and '_' for ' ' do not matter), or move it out.");
			}
			if (used.contains(classNames.get(k))) {
				throw new IllegalArgumentException("Two subfolders of " + folder + " name the class '" + classNames.get(k)
					+ "': keep one folder per class.");
			}
			used.add(classNames.get(k));
			classOfSub.add(k);
		}
		List<ImagePlus> all = new ArrayList<>();
		List<Integer> labels = new ArrayList<>();
		for (int i = 0; i < subs.size(); i++) {
			int k = classOfSub.get(i);
			for (ImagePlus imp : ImageSet.ofFolder(subs.get(i)).images()) {
				all.add(imp);
				for (int b = 0; b < ImagePlusTensors.batches(imp).size(); b++) labels.add(k);
			}
		}
		return new Labelled(new ImageSet(all), labels.stream().mapToInt(Integer::intValue).toArray(), used);
	}

	/** The class a subfolder name stands for, or -1. */
	static int classOf(String folderName, List<String> classNames) {
		String f = key(folderName);
		for (int k = 0; k < classNames.size(); k++) if (key(classNames.get(k)).equals(f)) return k;
		return -1;
	}

	private static String key(String s) {
		return s.trim().replace('_', ' ').replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
	}
}
