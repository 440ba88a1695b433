package org.conceptscope.fiji.run;

import org.conceptscope.fiji.image.ImageTitles;
import org.conceptscope.fiji.write.Numbers;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Explain with Head, whichever way it is started: a saved interpretable head reads the backbone's
 * feature map of every slice; per slice, the parts (InfoDisent) or concepts (Bi-ICE) with the
 * largest contributions to the target class, each with its map as an extra channel of a new image
 * and its top fraction as an ROI named {@code part 7|<class>|slice=z}. With a save folder:
 * {@code <title>-<head>.tif}, {@code <title>-<head>-RoiSet.zip}, {@code <title>-<head>-results.csv}.
 * The image is only read.
 */
public final class HeadExplanationRun {

	public record Result(InterpretableHead head, ImagePlus image, List<Roi> rois, List<String> header, List<List<String>> rows,
		List<Path> written) {

		public ResultsTable table() {
			return org.conceptscope.fiji.write.ResultsTables.of(header, rows);
		}
	}

	/** The rank and unit of the bias row. */
	static final String BIAS = "bias";

	private HeadExplanationRun() {}

	public static Result run(ImagePlus image, HeadExplanationSettings s, Progress progress) throws IOException {
		s.validate();
		AttributionRun.checkImage(image);
		String savedKind = savedKind(s.head); // the files are named after the head's kind
		if (savedKind != null) SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, files(image, savedKind));
		try (TensorFlowClassifier backbone = Models.openTensorFlow(s.model, "Explaining with a head")) {
			ModelSizeInputs.require(image, backbone,
				"the head pools its evidence over that input's positions, so the parts of a tile are not those of the whole image",
				"map the whole image with Concept Localization... or Attribution..., which work tile by tile");
			InterpretableHead head = load(s.head);
			check(head, backbone, s.head, s.model);
			SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, files(image, head.kind())); // a kind its config did not name before
			int target = TargetClass.parse(s.target, backbone.classNames()); // a typo is refused before the stack goes through the model
			checkMemory(image, head, Math.min(s.top, head.units())); // before the stack goes through the model
			FloatTensor batch = Models.input(image, backbone).tensor(); // with the pixel-size and domain warnings
			FloatTensor features = backbone.activations(batch, head.layer());
			if (!progress.report(0, 1, "head")) throw new java.util.concurrent.CancellationException("cancelled");
			double[][] logits = head.logits(features);
			int[] backbonePred = backbone.logits(batch).argmaxRows();
			int n = logits.length;
			List<String> classes = backbone.classNames();
			int[] targets = new int[n];
			int[][] ranked = new int[n][];
			double[][] contributions = new double[n][];
			TreeSet<Integer> shown = new TreeSet<>();
			for (int i = 0; i < n; i++) {
				if (!progress.report(i, n, "contributions")) {
					throw new java.util.concurrent.CancellationException("Cancelled after " + i + " of " + n + " slices.");
				}
				targets[i] = target == AttributionMethod.PREDICTED ? org.conceptscope.heads.HeadTraining.argmax(logits[i]) : target;
				double[] c = head.contributions(features, i, targets[i]);
				contributions[i] = c;
				ranked[i] = IntStream.range(0, c.length).boxed().filter(u -> s.against ? c[u] != 0 : c[u] > 0)
					.sorted(Comparator.comparingDouble(u -> -Math.abs(c[u]))).limit(s.top).mapToInt(Integer::intValue).toArray();
				for (int u : ranked[i]) shown.add(u);
			}
			List<Integer> units = new ArrayList<>(shown);
			int H = image.getHeight(), W = image.getWidth(), k = units.size();
			checkMapsMemory(image, k); // the maps shown, before they are made
			FloatTensor maps = FloatTensor.zeros(n, H, W, Math.max(1, k));
			int[] shownUnits = units.stream().mapToInt(Integer::intValue).toArray();
			int fh = head.featureShape()[0], fw = head.featureShape()[1];
			float[] cells = new float[fh * fw * k];
			for (int i = 0; i < n && k > 0; i++) { // per slice, all shown maps from one pass (Bi-ICE: one interaction, not one per concept)
				if (!progress.report(i, n, head.unitName() + " maps")) {
					throw new java.util.concurrent.CancellationException("Cancelled after the maps of " + i + " of " + n + " slices.");
				}
				head.imageMaps(features, i, shownUnits, cells);
				// every channel upsampled alike, as bilinear(..) does one map at a time: [H, W, k], this slice's block of the maps
				System.arraycopy(Resampling.resizeImage(cells, fh, fw, k, H, W), 0, maps.data(), i * H * W * k, H * W * k);
			}
			List<String> labels = new ArrayList<>();
			for (int u : units) labels.add(head.unitName() + " " + (u + 1) + ": " + classes.get(head.strongestClass(u)));
			String kind = head.kind();
			StringBuilder info = new StringBuilder("ConceptScope explanation by an interpretable head\nhead=").append(kind)
				.append("\nmodel=").append(s.model).append("\nhead folder=").append(s.head).append("\nlayer=").append(head.layer()).append('\n');
			if (head instanceof org.conceptscope.heads.InfoDisent d && d.conversion() != null) {
				info.append("rotation=converted from ").append(d.conversion()).append('\n'); // a head saved by an older ConceptScope
			}
			int channels = ImagePlusTensors.channels(image);
			for (int q = 0; q < k; q++) info.append("channel ").append(channels + q + 1).append('=').append(labels.get(q)).append('\n');
			info.append("options=").append(s.toMacroOptions()).append('\n');
			ImagePlus out = MapChannels.build(image, k == 0 ? FloatTensor.zeros(n, H, W, 0) : maps, labels, ImageTitles.base(image)
				+ "-" + kind, true);
			out.setProperty("Info", info.toString());

			BatchIndex batches = ImagePlusTensors.batches(image);
			int channelsBefore = out.getNChannels() - k;
			List<Roi> rois = new ArrayList<>();
			List<String> header = List.of("slice", "frame", "label", "head_predicted", "backbone_predicted", "target", "rank",
				head.unitName(), "contribution", "share", "target_logit");
			List<List<String>> rows = new ArrayList<>();
			for (int i = 0; i < n; i++) {
				int slice = batches.slice(i), frame = batches.frame(i);
				double positive = Arrays.stream(contributions[i]).filter(v -> v > 0).sum();
				String cls = classes.get(targets[i]), label = SliceLabels.of(image, slice, frame);
				for (int r = 0; r < ranked[i].length; r++) {
					int u = ranked[i][r], q = units.indexOf(u);
					double c = contributions[i][u];
					rows.add(List.of(Integer.toString(slice), Integer.toString(frame), label, classes.get(org.conceptscope.heads.HeadTraining.argmax(logits[i])),
						classes.get(backbonePred[i]), cls, Integer.toString(r + 1), Integer.toString(u + 1), Numbers.number(c),
						Numbers.number(c / positive), Numbers.number(logits[i][targets[i]])));
					float[] m = MapChannels.map(maps, i, q);
					if (c < 0) { // a part against the target: where its map is most negative (m is this ROI's copy of the plane)
						for (int p = 0; p < m.length; p++) m[p] = -m[p];
					}
					Roi roi = RoiWriter.topFraction(m, W, H, s.topFraction);
					if (roi == null) continue;
					roi.setName(RoiWriter.name(head.unitName() + " " + (u + 1), cls, slice, batches.frames() > 1 ? frame : 0));
					RoiPositions.place(roi, out, channelsBefore + q + 1, slice, frame); // with its part's map
					roi.setProperty(head.unitName(), Integer.toString(u + 1));
					roi.setProperty("class", cls);
					roi.setProperty("rank", Integer.toString(r + 1));
					roi.setProperty("contribution", Numbers.number(c)); // as its row of the CSV
					roi.setProperty("share", Numbers.number(c / positive));
					rois.add(roi);
				}
				if (s.bias) {
					rows.add(List.of(Integer.toString(slice), Integer.toString(frame), label, classes.get(org.conceptscope.heads.HeadTraining.argmax(logits[i])),
						classes.get(backbonePred[i]), cls, BIAS, BIAS, Numbers.number(head.bias(features, i, targets[i])),
						Numbers.number(Double.NaN), Numbers.number(logits[i][targets[i]])));
				}
			}
			out.setOverlay(ConceptMapsWriter.overlay(rois));
			progress.report(3, 3, "done");
			Result r = new Result(head, out, rois, header, rows, List.of());
			return s.saveDir == null ? r : save(r, image, s.saveDir);
		}
	}

	static InterpretableHead load(Path dir) {
		return InterpretableHead.load(headDir(dir));
	}

	/** The head's SavedModel folder: {@code dir}, or its {@code head/} subfolder when {@code dir} is the training run's save folder. */
	static Path headDir(Path dir) {
		if (!Files.isRegularFile(dir.resolve("saved_model.pb")) && Files.isDirectory(dir.resolve(HeadTrainingRun.HEAD_DIR))) {
			return dir.resolve(HeadTrainingRun.HEAD_DIR); // the save folder of the training run works too
		}
		return dir;
	}

	/**
	 * The head must read a layer of this model with the shape it was trained on and give its classes
	 * in the same order (the backbone's classes it saved: a model trained again with its classes in
	 * another order has layers of the same shapes, and every row would name the wrong class). A head
	 * saved with another backbone name or folder is used with a warning in the Log, as saved CAVs of
	 * another model are.
	 */
	static void check(InterpretableHead head, TensorFlowClassifier backbone, Path headDir, Path model) {
		LayerInfo layer = backbone.layers().stream().filter(l -> l.name().equals(head.layer())).findFirst().orElse(null);
		int[] f = head.featureShape();
		long[] shape = layer == null ? null : layer.shape();
		boolean same = shape != null && shape.length == 4 && shape[1] == f[0] && shape[2] == f[1] && shape[3] == f[2];
		if (!same || head.numClasses() != backbone.numClasses()) {
			throw new IllegalArgumentException("The head in " + headDir + " reads layer '" + head.layer() + "' (" + f[0] + " x " + f[1] + " x "
				+ f[2] + ") and gives " + head.numClasses() + " classes, which model " + model + " does not match: use the model"
				+ " it was trained on.");
		}
		org.conceptscope.model.ModelConfig config = org.conceptscope.model.ModelConfig.read(headDir(headDir));
		Object saved = config.metadata.get("backbone_classes");
		List<String> classes = saved instanceof List<?> l ? l.stream().map(String::valueOf).toList() : config.classes;
		if (classes != null && !classes.isEmpty() && !classes.equals(backbone.classNames())) {
			throw new IllegalArgumentException("The head in " + headDir + " was trained on a model whose classes are " + classes + ", and model "
				+ model + " has " + backbone.classNames() + ": with other classes or another order every row would name the wrong class, so use"
				+ " the model the head was trained on, or train a head on this one with Train Interpretable Head.");
		}
		String name = config.metadata.get("backbone") instanceof String n ? n : null;
		String path = config.metadata.get("backbone_path") instanceof String p ? p : null;
		boolean otherName = name != null && !name.equals(backbone.name());
		boolean otherPath = path != null && !samePath(path, model);
		if (otherName || otherPath) {
			ij.IJ.log("ConceptScope warning: the head in " + headDir + " was trained on the model '" + name + "'" + (path == null ? "" : " ("
				+ path + ")") + " and is used with '" + backbone.name() + "' (" + model.toAbsolutePath() + "): its parts and concepts mean"
				+ " something only on the model it was trained on.");
		}
	}

	private static boolean samePath(String saved, Path model) {
		try {
			return Path.of(saved).toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize());
		} catch (java.nio.file.InvalidPathException e) {
			return false;
		}
	}

	/**
	 * Refuses a stack whose {@code maps} map channels the heap cannot hold: the maps at the image's
	 * size, and the new image of the image's channels and the maps (32-bit).
	 */
	static void checkMapsMemory(ImagePlus image, int maps) {
		long values = (long) image.getWidth() * image.getHeight() * ImagePlusTensors.batches(image).size()
			* (2L * maps + ImagePlusTensors.channels(image));
		ImagePlusTensors.checkMemory("The " + maps + " map(s) of " + ImagePlusTensors.batches(image).size() + " slice(s) of '" + image.getTitle()
			+ "'", values, 4, "explain fewer slices at a time (a substack) or show fewer parts per slice (" + HeadExplanationSettings.TOP + ")");
	}

	/**
	 * Refuses, before the stack goes through the model, a run the heap cannot hold: every slice's feature maps at
	 * the head's layer (the head reads them all) and one slice's evaluation ({@link InterpretableHead#explanationBytes}),
	 * with the fewest maps a slice shows ({@code maps}), the new image ({@link #checkMapsMemory}'s count), the
	 * model's input (the float tensor and its copy while it is made) and what {@link #run} keeps per slice until the table
	 * is made ({@link #scoresPerSlice}), in {@link Limits#checkImagesHeap}'s sentence.
	 */
	static void checkMemory(ImagePlus image, InterpretableHead head, int maps) {
		long imagePerSlice = 4L * image.getWidth() * image.getHeight() * (2L * maps + 3L * ImagePlusTensors.channels(image));
		long fixed = head.explanationBytes(0);
		Limits.checkImagesHeap("The " + ImagePlusTensors.batches(image).size() + " slice(s) of '" + image.getTitle() + "'",
			ImagePlusTensors.batches(image).size(), fixed, head.explanationBytes(1) - fixed + imagePerSlice + scoresPerSlice(head, maps),
			head.featureMapsNote() + ", their scores, " + maps + " map(s) each and the new image", "slices at a time (a substack)");
	}

	/**
	 * Heap bytes {@link #run} keeps per slice besides the feature maps and the images: the head's logits
	 * ({@link InterpretableHead#logitsBytes}), the backbone's (a float a class), the slice's contributions (a double a unit),
	 * its ranked units (at most {@code top} ints), its target and the backbone's prediction.
	 */
	static long scoresPerSlice(InterpretableHead head, int top) {
		return head.logitsBytes() + 4L * head.numClasses() + (16 + 8L * head.units() + 8) + (16 + 4L * top + 8) + 8;
	}

	/** What {@link #save} writes in save_dir for a head of this kind: {@code <title>-<kind>.tif}, its RoiSet.zip, the table. */
	static List<String> files(ImagePlus image, String kind) {
		String base = AttributionOutputs.resultBase(image, kind);
		return List.of(base + ".tif", AttributionOutputs.roiSetName(base + ".tif"), base + "-results.csv");
	}

	/** The head kind its conceptscope.json names (read before the backbone loads); null when it names none (loading it then says why). */
	static String savedKind(Path dir) {
		Path head = headDir(dir);
		if (!Files.isRegularFile(head.resolve(org.conceptscope.model.ModelConfig.FILE_NAME))) return null;
		try {
			Object kind = org.conceptscope.model.ModelConfig.read(head).metadata.get(InterpretableHead.KIND);
			return kind == null ? null : kind.toString();
		} catch (org.conceptscope.model.ModelLoadException e) {
			return null;
		}
	}

	static Result save(Result r, ImagePlus image, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(image, r.head().kind());
			Path tiff = dir.resolve(files.get(0)), zip = dir.resolve(files.get(1)), csv = dir.resolve(files.get(2));
			HeatmapWriter.save(r.image(), tiff);
			RoiWriter.save(r.rois(), zip);
			ResultsCsvWriter.write(r.header(), r.rows(), csv);
			return new Result(r.head(), r.image(), r.rois(), r.header(), r.rows(), List.of(tiff, zip, csv));
		});
	}
}
