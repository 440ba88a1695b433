package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;

import ij.ImagePlus;
import ij.gui.Plot;
import ij.measure.ResultsTable;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.PrototypeMontage;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.HeadPrototypes;
import org.conceptscope.heads.HeadTraining;
import org.conceptscope.heads.HeadTrainer;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.registry.Registry;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Train Interpretable Head, whichever way it is started: an InfoDisent or Bi-ICE head on the
 * frozen backbone's feature map, trained on a folder with one subfolder of images per class,
 * evaluated on a seeded, per-class held-out share of them against the backbone. Writes to the save
 * folder: {@code head/} (the SavedModel with conceptscope.json), {@code accuracy.csv},
 * {@code heldout.csv} (per held-out image: label, both predictions, the head's logits),
 * {@code units.csv}, {@code prototypes.tif} (per unit its top-activating training patches) and, for
 * Bi-ICE, {@code convergence.csv} and {@code convergence.png}. Nothing is written when cancelled.
 */
public final class HeadTrainingRun {

	public static final String HEAD_DIR = "head", ACCURACY = "accuracy.csv", HELDOUT = "heldout.csv", UNITS = "units.csv",
		PROTOTYPES = "prototypes.tif", CONVERGENCE = "convergence.csv", CONVERGENCE_PLOT = "convergence.png";

	/** What the command gives back. */
	public record Result(InterpretableHead head, double headAccuracy, double backboneAccuracy, ResultsTable accuracy,
		ImagePlus prototypes, ImagePlus convergence, List<Path> written) {}

	private HeadTrainingRun() {}

	public static Result run(HeadTrainingSettings s, Progress progress) throws IOException {
		s.validate();
		checkReplaceable(s.saveDir.resolve(HEAD_DIR)); // a folder not ConceptScope's is never replaced
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, List.of(HEAD_DIR, ACCURACY, HELDOUT, UNITS, PROTOTYPES, CONVERGENCE, CONVERGENCE_PLOT));
		try (TensorFlowClassifier backbone = Models.openTensorFlow(s.model, "Training a head")) {
			String layer = HeadTraining.layer(backbone, s.layer, HeadTrainingSettings.LAYER); // a typo is refused before the folder is read
			if (HeadTrainingSettings.INFODISENT.equals(s.head)) InfoDisent.checkMemory(backbone, layer, s.batchSize); // so is a layer too wide
			LabelledFolder.Data data = Models.labelledFolder(s.folder, backbone, CommandSpecs.TRAIN_INTERPRETABLE_HEAD, progress);
			if (HeadTrainingSettings.BI_ICE.equals(s.head)) { // a head too large for this machine, before the images go through the backbone
				int training = HeadTraining.split(data.labels(), data.images().sources(), s.heldOut, s.seed)[0].length; // its steps' size
				// every image's feature maps, twice: the maps and their training and held-out rows (HeadTraining.train)
				BiIce.checkMemory(backbone, layer, s.concepts, s.dimension, training, s.batchSize, HeadTrainingSettings.BATCH_SIZE,
					data.labels().length, 2);
			}
			FloatTensor images = data.tensor();
			HeadTrainer trainer = Registry.head(s.head, java.util.Map.of(HeadTrainingSettings.CONCEPTS, s.concepts,
				HeadTrainingSettings.DIMENSION, s.dimension, HeadTrainingSettings.SPARSITY, s.sparsity, HeadTrainingSettings.ITERATIONS,
				s.iterations));
			HeadTraining.Outcome o = HeadTraining.train(backbone, images, data.labels(), data.images().sources(), layer, trainer,
				new TrainingOptions(s.steps, s.batchSize, s.learningRate, s.seed), s.heldOut, s.seed, s.prototypes, progress);
			InterpretableHead head = o.head();
			int[] train = o.train(), held = o.held();
			double headAcc = o.headAccuracy(), backboneAcc = o.backboneAccuracy(), fidelity = o.agreement();

			List<String> accHeader = List.of("model", "held_out_images", "accuracy", "agreement_with_backbone");
			List<List<String>> accRows = List.of(
				List.of(head.kind() + " head", Integer.toString(held.length), Numbers.number(headAcc), Numbers.number(fidelity)),
				List.of("backbone", Integer.toString(held.length), Numbers.number(backboneAcc), Numbers.number(1)));
			List<String> heldHeader = new ArrayList<>(List.of("index", "image", "class", "backbone_predicted", "head_predicted"));
			for (String c : backbone.classNames()) heldHeader.add("head_logit_" + c);
			List<List<String>> heldRows = new ArrayList<>();
			for (int i = 0; i < held.length; i++) {
				List<String> row = new ArrayList<>(List.of(Integer.toString(held[i]), data.images().describe(held[i]),
					backbone.classNames().get(o.heldLabels()[i]), backbone.classNames().get(o.backbonePredicted()[i]),
					backbone.classNames().get(o.headPredicted()[i])));
				for (double v : o.headLogits()[i]) row.add(Numbers.number(v));
				heldRows.add(row);
			}
			List<PrototypeMontage.Row> rows = new ArrayList<>();
			List<String> unitHeader = new ArrayList<>(List.of(head.unitName(), "strongest_class"));
			for (String c : backbone.classNames()) unitHeader.add("weight_" + c);
			unitHeader.addAll(List.of("top_channel", "prototype_images"));
			List<List<String>> unitRows = new ArrayList<>();
			int[] hw = { o.featureHeight(), o.featureWidth() };
			boolean[] shown = montageUnits(head.classWeights(), MONTAGE_UNITS);
			for (int u = 0; u < head.units(); u++) {
				List<HeadPrototypes.Prototype> protos = o.prototypes().get(u);
				List<PrototypeMontage.Crop> crops = new ArrayList<>();
				List<String> where = new ArrayList<>();
				for (HeadPrototypes.Prototype p : protos) {
					int entry = train[p.image()];
					crops.add(crop(data.images(), entry, p, hw));
					where.add(data.images().describe(entry));
				}
				String cls = backbone.classNames().get(head.strongestClass(u));
				String name = head.unitName() + " " + (u + 1);
				if (shown[u]) rows.add(new PrototypeMontage.Row(name, name + " -> " + cls, crops));
				List<String> row = new ArrayList<>(List.of(Integer.toString(u + 1), cls));
				for (double w : head.classWeights()[u]) row.add(Numbers.number(w));
				row.add(Integer.toString(HeadTraining.topChannel(head.featureDirection(u))));
				row.add(String.join("; ", where));
				unitRows.add(row);
			}
			String options = s.toMacroOptions();
			String limited = rows.size() < head.units() ? "shown=the " + rows.size() + " of " + head.units() + " " + head.unitName()
				+ "s with the largest weight to a class (units.csv lists all)\n" : "";
			ImagePlus montage = PrototypeMontage.build(rows, data.images(), head.kind() + "-prototypes",
				"ConceptScope " + head.kind() + " prototypes\nmodel=" + s.model + "\nlayer=" + layer + "\noptions=" + options + "\n" + limited);
			double[] convergence = head instanceof BiIce b ? b.convergence() : null;
			double[] epochs = head instanceof BiIce b ? b.convergenceEpochs() : null;
			ImagePlus plot = convergence == null ? null : convergencePlot(epochs, convergence);

			Map<String, Object> meta = new LinkedHashMap<>();
			meta.put("backbone_path", s.model.toAbsolutePath().toString());
			meta.put("backbone_classes", backbone.classNames());
			meta.put("head_accuracy", headAcc);
			meta.put("backbone_accuracy", backboneAcc);
			meta.put("agreement_with_backbone", fidelity);
			meta.put("held_out_images", held.length);
			meta.put("training_images", train.length);
			meta.put("class_folders", data.subfolders());
			meta.put("options", options);
			// everything is computed: from here on only files are written, as one set that appears whole or not at all
			List<Path> written = new ArrayList<>();
			SaveSet.all(set -> {
				set.createDirectories(s.saveDir);
				Path headDir = s.saveDir.resolve(HEAD_DIR);
				String replaced = checkReplaceable(headDir); // again: the folder may have appeared while the head trained
				head.save(headDir, backbone.classNames(), backbone.name(), meta);
				written.add(headDir);
				written.add(write(s.saveDir.resolve(ACCURACY), accHeader, accRows));
				written.add(write(s.saveDir.resolve(HELDOUT), heldHeader, heldRows));
				written.add(write(s.saveDir.resolve(UNITS), unitHeader, unitRows));
				Path tif = s.saveDir.resolve(PROTOTYPES);
				ConceptDiscoveryRun.saveTiff(montage, tif);
				written.add(tif);
				if (convergence != null) {
					List<List<String>> conv = new ArrayList<>();
					for (int e = 0; e < convergence.length; e++) conv.add(List.of(epochs[e] == Math.rint(epochs[e]) ? Long.toString((long) epochs[e]) : Numbers.number(epochs[e]),
						Numbers.number(convergence[e])));
					written.add(write(s.saveDir.resolve(CONVERGENCE), List.of("epoch", "concept_change"), conv));
					Path png = s.saveDir.resolve(CONVERGENCE_PLOT);
					ConceptDiscoveryRun.savePng(plot, png);
					written.add(png);
				} else if (HeadTrainingSettings.BI_ICE.equals(replaced)) {
					// a head without a convergence curve replaced a Bi-ICE head: its curve would stand beside the new head as if it were its own
					set.deleteAtCommit(s.saveDir.resolve(CONVERGENCE));
					set.deleteAtCommit(s.saveDir.resolve(CONVERGENCE_PLOT));
				}
				return written;
			});
			ResultsTable table = org.conceptscope.fiji.write.ResultsTables.of(accHeader, accRows);
			Result r = new Result(head, headAcc, backboneAcc, table, montage, plot, written);
			ij.IJ.log("ConceptScope " + summary(r)); // the Log (stdout headless), from the plugin and the SciJava command alike
			return r;
		}
	}

	/**
	 * Most rows of the prototype montage: one row per part made a wide layer's montage some 160000
	 * pixels tall (2048 parts); {@link #montageUnits} picks the rows shown.
	 */
	static final int MONTAGE_UNITS = 64;

	/**
	 * Which units the montage shows: all of them when there are at most {@code limit}, otherwise the
	 * {@code limit} whose largest weight to a class is largest (ties: the lower index), kept in unit order.
	 */
	static boolean[] montageUnits(double[][] classWeights, int limit) {
		int units = classWeights.length;
		boolean[] shown = new boolean[units];
		double[] strongest = new double[units];
		for (int u = 0; u < units; u++) strongest[u] = java.util.Arrays.stream(classWeights[u]).max().orElse(0);
		java.util.stream.IntStream.range(0, units).boxed()
			.sorted(java.util.Comparator.<Integer>comparingDouble(u -> -strongest[u]).thenComparingInt(u -> u)).limit(limit)
			.forEach(u -> shown[u] = true);
		return shown;
	}

	/**
	 * The head is saved as {@code head} in the save folder, replacing what is there: only a head saved by
	 * ConceptScope (its conceptscope.json names a head kind) may be replaced, never a user's own folder.
	 *
	 * @return the kind of the head that would be replaced, or null when there is none
	 */
	static String checkReplaceable(Path headDir) {
		if (!Files.exists(headDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return null;
		Object kind = null;
		if (Files.isDirectory(headDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
			&& Files.isRegularFile(headDir.resolve(org.conceptscope.model.ModelConfig.FILE_NAME))) {
			try {
				kind = org.conceptscope.model.ModelConfig.read(headDir).metadata.get(InterpretableHead.KIND);
			} catch (org.conceptscope.model.ModelLoadException e) {
				kind = null; // not a config ConceptScope wrote
			}
		}
		if (kind == null || !HeadTrainingSettings.HEADS.contains(kind)) {
			throw new IllegalArgumentException(headDir + " exists and is not a head saved by ConceptScope (no conceptscope.json naming a"
				+ " head kind); the trained head is saved as " + HeadTrainingSettings.SAVE_DIR + "/" + HEAD_DIR + ", so choose another "
				+ HeadTrainingSettings.SAVE_DIR + " or move that folder away: nothing was changed.");
		}
		return kind.toString();
	}

	/** One line for the status bar and the log. */
	public static String summary(Result r) {
		// 3 decimals: a fraction of at most a few thousand held-out images (the table keeps every digit)
		return r.head().kind() + " head: held-out accuracy " + accuracy(r.headAccuracy()) + " (backbone " + accuracy(r.backboneAccuracy())
			+ "), saved in " + r.written().get(0) + ".";
	}

	private static String accuracy(double v) {
		return Double.isNaN(v) ? "NaN" : String.format(java.util.Locale.ROOT, "%.3f", v);
	}

	/**
	 * The patch around a feature-map cell: the cell's footprint in the image doubled along each axis (at
	 * least 8 pixels, at most the image), centred on the cell and kept inside the image. The footprint of
	 * a cell is width / map width by height / map height, so a non-square input (or map) gives a
	 * rectangle: the whole region the cell covers, never a square cut from it.
	 *
	 * @param hw the feature map's height and width
	 */
	static PrototypeMontage.Crop crop(ImageSet images, int entry, HeadPrototypes.Prototype p, int[] hw) {
		ImagePlus imp = images.imageOf(entry);
		int width = imp.getWidth(), height = imp.getHeight();
		int w = Math.min(width, Math.max(8, 2 * (int) Math.ceil(width / (double) hw[1])));
		int h = Math.min(height, Math.max(8, 2 * (int) Math.ceil(height / (double) hw[0])));
		int cx = (int) Math.round((p.x() + 0.5) * width / hw[1]), cy = (int) Math.round((p.y() + 0.5) * height / hw[0]);
		int x = Math.max(0, Math.min(width - w, cx - w / 2)), y = Math.max(0, Math.min(height - h, cy - h / 2));
		return new PrototypeMontage.Crop(entry, x, y, w, h, p.response());
	}

	static ImagePlus convergencePlot(double[] epochs, double[] change) {
		double[] x = epochs;
		Plot plot = new Plot("Concept convergence", "epoch", "change of the concept embeddings (Frobenius)");
		plot.setColor(Color.BLUE);
		plot.add("line", x, change);
		return plot.getImagePlus();
	}

	private static Path write(Path csv, List<String> header, List<List<String>> rows) throws IOException {
		ResultsCsvWriter.write(header, rows, csv);
		return csv;
	}
}
