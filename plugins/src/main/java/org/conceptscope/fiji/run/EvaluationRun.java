package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.Numbers;

import ij.ImagePlus;
import ij.gui.Plot;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.metrics.Metric;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.metrics.SanityCheck;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Evaluate Explanation, whichever way it is started: explains every slice with one method and
 * scores the maps with one metric (deletion, insertion: AUC of the target probability; mufidelity:
 * correlation with score drops; sanity: rank correlation with the maps of a weight-randomised
 * copy). A table with one row per slice and a last row "mean"; for deletion and insertion a plot
 * of the mean curve. The sanity check with {@code cascade} or {@code independent}: one row per
 * randomisation step (the similarities' means over the slices) and a plot of them against the step. With a save folder: {@code <title>-<method>-<metric>.csv} (and
 * {@code -curve.png}). The image is only read. {@code mege_reco} works on a labelled folder
 * instead ({@link MegeRecoRun}).
 */
public final class EvaluationRun {

	/**
	 * The table (header and rows, as in the CSV), the per-slice metric (null for mege_reco), the
	 * mean curve for deletion and insertion, the files written and a one-line summary for the log.
	 */
	public record Result(MetricResult metric, List<String> header, List<List<String>> rows, ImagePlus plot, List<Path> written,
		String summary) {

		public ResultsTable table() {
			return org.conceptscope.fiji.write.ResultsTables.of(header, rows);
		}
	}

	private EvaluationRun() {}

	public static Result run(ImagePlus image, EvaluationSettings s, Progress progress) throws IOException {
		Result r = evaluate(image, s, progress);
		ij.IJ.log("ConceptScope " + r.summary()); // the Log (stdout headless), from the plugin and the SciJava command alike
		return r;
	}

	private static Result evaluate(ImagePlus image, EvaluationSettings s, Progress progress) throws IOException {
		s.validate();
		if (s.metric.equals(EvaluationSettings.MEGE_RECO)) return MegeRecoRun.run(s, progress);
		AttributionRun.checkImage(image);
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, files(image, s));
		try (Classifier classifier = Models.open(s.model)) {
			AttributionMethod method = AttributionMethods.create(s.attribution());
			method.checkRuns(classifier);
			method.checkInput(classifier, image.getHeight(), image.getWidth()); // a model of any size: the image's
			if (s.metric.equals("sanity") && !(classifier instanceof TensorFlowClassifier)) {
				throw new IllegalArgumentException("The sanity check randomises the weights of a TensorFlow SavedModel; " + s.model
					+ " is a " + org.conceptscope.model.Classifiers.kind(s.model).label() + ": evaluate it with deletion, insertion or mufidelity.");
			}
			// each slice is one input, or each tile of a slice larger than the model's input (its rows name the tile)
			ImagePlus samples = ModelSizeInputs.samples(image, classifier, CommandSpecs.EVALUATE_EXPLANATION);
			FloatTensor images = Models.input(samples, classifier).tensor();
			Metric metric = Registry.metric(s.metric, s.metricValues());
			// what the metric cannot score (one output for a probability, a grid larger than the inputs) is refused before any explanation
			metric.check(classifier, images);
			int target = TargetClass.parse(s.target, classifier.classNames());
			int[] predicted = classifier.logits(images).argmaxRows();
			int[] targets = target == AttributionMethod.PREDICTED ? predicted.clone() : filled(predicted.length, target);
			if (metric instanceof SanityCheck sanity && sanity.randomization() != SanityCheck.Randomization.FULL) {
				Result r = layerwise(sanity.layerwise((TensorFlowClassifier) classifier, images, targets, method, progress), s);
				return s.saveDir == null ? r : save(r, image, s);
			}
			MetricResult m = metric.evaluate(classifier, images, targets, method, progress);
			List<String> header = List.of("slice", "frame", "label", "target", "method", "metric", "value");
			List<List<String>> rows = new ArrayList<>();
			BatchIndex batches = ImagePlusTensors.batches(samples);
			double[] values = m.values();
			int[] resolved = m.targets();
			for (int b = 0; b < batches.size(); b++) {
				rows.add(List.of(Integer.toString(batches.slice(b)), Integer.toString(batches.frame(b)),
					SliceLabels.of(samples, batches.slice(b), batches.frame(b)), classifier.classNames().get(resolved[b]), s.method, s.metric,
					Numbers.number(values[b])));
			}
			rows.add(List.of("mean", "", "", "", s.method, s.metric, Numbers.number(m.mean())));
			ImagePlus plot = curves(m) ? plot(m, s) : null;
			Result r = new Result(m, header, rows, plot, List.of(), s.method + " " + s.metric + ": mean " + Numbers.property(m.mean()));
			return s.saveDir == null ? r : save(r, image, s);
		}
	}

	/** The steps' table (one row per step: the similarities' means over the slices) and its plot. */
	static Result layerwise(SanityCheck.Layerwise c, EvaluationSettings s) {
		boolean independent = c.randomization() == SanityCheck.Randomization.INDEPENDENT;
		List<String> header = List.of("step", "layer", "variables", "method", "spearman_abs", "spearman", "ssim", "hog");
		List<List<String>> rows = new ArrayList<>();
		int n = c.steps().size();
		double[] x = new double[n], abs = new double[n], signed = new double[n], ssim = new double[n], hog = new double[n];
		boolean hogs = false;
		for (int k = 0; k < n; k++) {
			SanityCheck.Step step = c.steps().get(k);
			x[k] = k + 1;
			abs[k] = mean(step.spearmanAbs());
			signed[k] = mean(step.spearman());
			ssim[k] = mean(step.ssim());
			// NaN for a slice under 24 x 24 pixels (no HOG block) or a flat map: left out of the mean
			hog[k] = Arrays.stream(step.hog()).filter(Double::isFinite).average().orElse(Double.NaN);
			hogs |= Double.isFinite(hog[k]);
			rows.add(List.of(Integer.toString(k + 1), step.layer(), Integer.toString(step.randomized().size()), s.method, Numbers.number(abs[k]),
				Numbers.number(signed[k]), Numbers.number(ssim[k]), Numbers.number(hog[k])));
		}
		Plot plot = new Plot(s.method + " sanity (" + (independent ? "independent" : "cascading") + " randomisation)",
			(independent ? "layer randomised alone, top first" : "layers randomised, top first") + " (step 1 = " + c.steps().get(0).layer() + ")",
			"similarity (mean over slices)");
		double low = 0;
		for (double v : signed) low = Math.min(low, v);
		for (double v : hog) if (Double.isFinite(v)) low = Math.min(low, v);
		plot.setLimits(0.5, n + 0.5, low, 1);
		plot.setColor(java.awt.Color.BLACK);
		plot.add("connected circle", x, abs);
		plot.setColor(java.awt.Color.BLUE);
		plot.add("connected circle", x, signed);
		plot.setColor(java.awt.Color.RED);
		plot.add("connected circle", x, ssim);
		if (hogs) {
			plot.setColor(new java.awt.Color(0, 140, 0));
			plot.add("connected circle", x, hog);
		}
		plot.addLegend("Spearman |map|\nSpearman\nSSIM" + (hogs ? "\nHOG" : ""));
		String summary = independent
			? s.method + " sanity, independent randomisation of " + n + " layers: mean Spearman " + Numbers.property(abs[0]) + " (" + c.steps()
				.get(0).layer() + " alone) to " + Numbers.property(abs[n - 1]) + " (" + c.steps().get(n - 1).layer() + " alone), "
				+ Numbers.property(c.result().mean()) + " with every layer randomised"
			: s.method + " sanity cascade over " + n + " layers: mean Spearman " + Numbers.property(abs[0]) + " at the first step, "
				+ Numbers.property(abs[n - 1]) + " with every layer randomised";
		return new Result(c.result(), header, rows, plot.getImagePlus(), List.of(), summary);
	}

	private static double mean(double[] v) {
		return Arrays.stream(v).average().orElse(Double.NaN);
	}

	private static boolean curves(MetricResult m) {
		double[][] c = m.curves();
		return c.length > 0 && c[0].length > 1;
	}

	/** The mean curve over the slices against the fraction of pixels removed (or inserted). */
	static ImagePlus plot(MetricResult m, EvaluationSettings s) {
		double[][] curves = m.curves();
		int points = curves[0].length;
		double[] x = new double[points], y = new double[points];
		for (int j = 0; j < points; j++) {
			x[j] = j / (double) (points - 1);
			for (double[] c : curves) y[j] += c[j] / curves.length;
		}
		Plot plot = new Plot(s.method + " " + s.metric, "fraction of pixels " + (s.metric.equals("deletion") ? "removed" : "inserted"),
			"target probability (mean)");
		plot.add("line", x, y);
		plot.setLimits(0, 1, 0, 1);
		plot.addLabel(0.02, 0.08, "mean AUC " + Numbers.number(m.mean()));
		return plot.getImagePlus();
	}

	/** What {@link #save} may write in save_dir: {@code <title>-<method>-<metric>.csv} and its {@code -curve.png} (deletion, insertion). */
	static List<String> files(ImagePlus image, EvaluationSettings s) {
		String base = AttributionOutputs.resultBase(image, s.method + "-" + s.metric);
		return List.of(base + ".csv", base + "-curve.png");
	}

	static Result save(Result r, ImagePlus image, EvaluationSettings s) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(s.saveDir);
			List<String> files = files(image, s);
			Path csv = s.saveDir.resolve(files.get(0));
			ResultsCsvWriter.write(r.header(), r.rows(), csv);
			List<Path> written = new ArrayList<>(List.of(csv));
			if (r.plot() != null) {
				Path png = s.saveDir.resolve(files.get(1));
				ConceptDiscoveryRun.savePng(r.plot(), png);
				written.add(png);
			}
			return new Result(r.metric(), r.header(), r.rows(), r.plot(), written, r.summary());
		});
	}

	private static int[] filled(int n, int v) {
		int[] a = new int[n];
		Arrays.fill(a, v);
		return a;
	}
}
