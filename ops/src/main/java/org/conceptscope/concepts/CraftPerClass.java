package org.conceptscope.concepts;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * CRAFT over a whole data set, one run per class, as Xplique's CraftManager organises it (Fel et al.
 * 2023, CRAFT; the per-class reading of the holistic framework of the same year): the model predicts
 * every image once; for each class of interest the images predicted as that class (the first
 * {@code perClass} of them when a cap is set) give that class's concepts (CRAFT: crops, NMF) and
 * their Sobol importance; the holistic numbers follow on the same images (per-position importance,
 * prevalence and, when true labels are known, reliability: the fraction of the images a concept
 * dominates that truly are of the class) when the model has gradients. A class whose images give
 * fewer crops than concepts (one the model rarely predicts) is skipped, saying why, and the others go on.
 */
public final class CraftPerClass {

	/**
	 * The concepts of one class: the data set indices of the images used (predicted as the class),
	 * the bank (importance filled; example crops indexed within {@code images}) and its holistic
	 * numbers. {@code bank} and {@code holistic} are null when no image is predicted as the class, and
	 * when the class was skipped ({@code skipped} then says why: its images give fewer crops than
	 * concepts); {@code holistic} alone is null when the model has no gradients (an ONNX model: the
	 * concepts and their Sobol importance need none).
	 */
	public record ClassConcepts(int classIndex, String className, int[] images, ConceptBank bank, HolisticConcepts.Summary holistic,
		String skipped) {

		public ClassConcepts(int classIndex, String className, int[] images, ConceptBank bank, HolisticConcepts.Summary holistic) {
			this(classIndex, className, images, bank, holistic, null);
		}

		public boolean found() {
			return bank != null;
		}
	}

	private CraftPerClass() {}

	/**
	 * @param images the normalised data set [N, H, W, C]
	 * @param labels the true class of each image, or null when unknown (reliability is then left out)
	 * @param classes the classes to explain, or null: every class among the labels (every class predicted when there are no labels)
	 * @param perClass at most this many images per class (the first ones predicted as the class); 0: all
	 * @param designs Sobol designs for each class's concept importance (the NMF seed {@code options.seed()} seeds them too)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static List<ClassConcepts> fit(Classifier classifier, FloatTensor images, int[] labels, int[] classes, int perClass,
		CraftOptions options, int designs, Progress progress) {
		int n = (int) images.dim(0);
		if (n == 0) throw new IllegalArgumentException("CRAFT per class needs at least one image.");
		if (perClass < 0) throw new IllegalArgumentException("The number of images per class cannot be negative, got " + perClass + ".");
		if (labels != null) {
			if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " images: give one per image.");
			for (int l : labels) Craft.checkClass(classifier, l);
		}
		// what does not depend on a class is refused before any image goes through the model
		Craft.checkLayer(classifier, options.layer());
		Craft.checkConcepts(classifier, options, designs);
		Craft.checkCropsPerImage(options, images.dim(1), images.dim(2));
		int[] predicted = classifier.logits(images).argmaxRows();
		int[] chosen = classes != null ? classes.clone() : distinct(labels != null ? labels : predicted);
		for (int c : chosen) Craft.checkClass(classifier, c);
		List<ClassConcepts> out = new ArrayList<>();
		for (int j = 0; j < chosen.length; j++) {
			int c = chosen[j];
			String name = classifier.classNames().get(c);
			int[] idx = java.util.stream.IntStream.range(0, n).filter(i -> predicted[i] == c).limit(perClass == 0 ? n : perClass).toArray();
			if (idx.length == 0) {
				out.add(new ClassConcepts(c, name, idx, null, null));
				continue;
			}
			String few = Craft.tooFewCrops(options, idx.length, images.dim(1), images.dim(2));
			if (few != null) {
				// a class the model rarely predicts: the others go on
				out.add(new ClassConcepts(c, name, idx, null, null, few));
				if (!progress.report(j + 1, chosen.length, "CRAFT per class: " + name + " skipped")) {
					throw new java.util.concurrent.CancellationException("CRAFT per class cancelled after class " + name + ".");
				}
				continue;
			}
			Progress inner = phase(progress, j, chosen.length, name);
			FloatTensor sub = images.rows(idx);
			ConceptBank bank;
			try {
				bank = Craft.fit(classifier, sub, c, options, inner);
			} catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("Class " + name + " (" + idx.length + " image" + (idx.length == 1 ? "" : "s")
					+ " predicted as it): " + e.getMessage(), e);
			}
			bank.importance = ConceptImportance.sobol(classifier, bank, sub, designs, options.seed(), inner);
			bank.importanceEstimator = "sobol";
			double[] correct = null;
			if (labels != null) {
				correct = new double[idx.length];
				for (int i = 0; i < idx.length; i++) correct[i] = labels[idx[i]] == c ? 1 : 0;
			}
			HolisticConcepts.Summary holistic = classifier.supportsGradients() ? HolisticConcepts.summarize(classifier, bank, sub, correct, inner)
				: null;
			out.add(new ClassConcepts(c, name, idx, bank, holistic));
			if (!progress.report(j + 1, chosen.length, "CRAFT per class: " + name + " done")) {
				throw new java.util.concurrent.CancellationException("CRAFT per class cancelled after class " + name + ".");
			}
		}
		return out;
	}

	/** Sorted distinct values. */
	static int[] distinct(int[] values) {
		TreeSet<Integer> set = new TreeSet<>();
		for (int v : values) set.add(v);
		return set.stream().mapToInt(Integer::intValue).toArray();
	}

	/** Progress of one class's steps, named after the class; stopping it stops the whole run. */
	private static Progress phase(Progress outer, int index, int classes, String name) {
		return (done, total, message) -> outer.report(index, classes, "CRAFT per class: " + name + " (" + (index + 1) + " of " + classes
			+ "), " + message + " " + done + "/" + total);
	}
}
