package org.conceptscope.fiji.batch;

import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImagePlusTiles;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.OutputOperators;
import org.conceptscope.fiji.image.RegionTargets;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.write.TiffStackWriter;
import ij.ImagePlus;
import ij.gui.Roi;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RegionExplainer;
import org.conceptscope.attribution.TileCheckpoint;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.fiji.image.RegionTargets;
import org.conceptscope.fiji.run.AttributionMethods;
import org.conceptscope.fiji.run.AttributionOutputs;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.RegionExplanations;
import org.conceptscope.fiji.run.TargetClass;
import org.conceptscope.model.Classifier;
import org.conceptscope.registry.Family;
import org.conceptscope.registry.Registry;
import org.conceptscope.util.Folders;
import org.conceptscope.util.IoFailures;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * A batch run that survives being killed: every slice and frame of a stack, or of every image of
 * a folder, explained with one attribution method, in parts of {@code batch} entries. Each
 * finished part is committed to its own file in {@code save_dir/.conceptscope-batch/parts/}
 * (complete or absent, see {@link BatchParts}) and logged in the journal; the manifest there names
 * model, settings, batch size and inputs. Run again after a crash, Ctrl-C or a power cut, the
 * same job computes only the parts that are missing, and refuses to resume when any of those
 * differ. When every part is there, the results are assembled, each file atomically, with the
 * names the Attribution command gives them with {@code output=image}: {@code <name>-<method>-results.csv}
 * (one row per entry; a leading {@code file} column for a folder), {@code <name>-<method>-map.tif}
 * (32-bit, one plane per entry) and {@code <name>-<method>-map-RoiSet.zip} (the top fraction of each
 * map). A part is computed exactly as in an uninterrupted run (the same entries per model call,
 * and random methods numbering images as in the whole image), so resumed results are those of a
 * run that never stopped.
 */
public final class BatchJob {

	/** A part reports its progress in thousandths of a slice: a part of one large slice moves too. */
	private static final long FINER = 1000;

	/**
	 * The progress of entries [start, start + len) of a part's {@code total}, reported by what runs on them
	 * (tiles, samples) in its own units, as thousandths of an entry of the part.
	 */
	private static Progress within(Progress part, long start, long len, long total) {
		return (d, t, msg) -> part.report(start * FINER + (t > 0 ? d * len * FINER / t : 0), total * FINER, msg);
	}

	/** The run's own folder in save_dir; the manifest and journal stay there as the run's record. */
	public static final String WORK_DIR = ".conceptscope-batch";
	public static final String MANIFEST = "manifest.json", JOURNAL = "journal.txt", PARTS = "parts", LOCK = "lock", TILES = "tiles",
		FINISHED = "finished";
	/** The batch runner's name for its runs in sentences. */
	static final String JOB = "batch run";
	/** The runner's name in its lines ("ConceptScope batch: ..."). */
	static final String NAME = "batch";

	/** A batch run: the Attribution settings (save_dir required), the input, entries per part (0: automatic), restart. */
	public record Job(AttributionSettings attribution, Path input, int batch, boolean restart) {}

	/** What a run tells its caller besides progress. */
	public interface Events {
		/** A line for the user (resuming, a damaged part found, the results written). */
		default void message(String line) {}

		/** Part {@code part} was committed; {@code done} of {@code parts} parts are now complete. */
		default void partDone(int part, int done, int parts) {}

		/** The run's result files, complete (also when an earlier run had written them). */
		default void results(List<Path> outputs) {}
	}

	/**
	 * Computes the parts a run still needs somewhere else (other threads, other machines): each
	 * part's bytes come from {@link #computePart} and go to the sink, in any order. The run keeps
	 * the manifest, the journal, the part files and the assembly; a part handed over twice (a
	 * retried or speculative task) is written once.
	 */
	public interface PartComputer {
		/**
		 * @param manifestJson the run's manifest, to pass to {@link #computePart} with each index
		 * @param missing the parts to compute
		 * @param sink takes each computed part; when it returns false the run is to stop (return early)
		 */
		void compute(String manifestJson, List<Integer> missing, PartSink sink) throws IOException;
	}

	/** Where computed parts go. */
	public interface PartSink {
		/** Commits part {@code index}; false when the run is to stop. */
		boolean accept(int index, byte[] part) throws IOException;
	}

	/**
	 * What a run did: entries and parts of the whole job, parts computed by this run and parts it
	 * found already done; {@code alreadyComplete} when an earlier run had finished it all.
	 */
	public record Result(int entries, int parts, int batch, int computed, int kept, int run, boolean alreadyComplete,
		List<Path> outputs, Path workDir) {}

	private BatchJob() {}

	/**
	 * @param progress reports entries done of all entries; returning false stops the run after the
	 *        finished parts (a {@link CancellationException}; run again to resume)
	 * @throws IllegalArgumentException for inputs a user can fix, and for a resume with other settings
	 */
	public static Result run(Job job, Progress progress, Events events) throws IOException {
		return run(job, progress, events, null);
	}

	/**
	 * As {@link #run(Job, Progress, Events)}, the missing parts computed by {@code computer}
	 * (null: one after another in this thread). Everything a user can get wrong is checked here
	 * before the computer is asked for anything.
	 */
	public static Result run(Job job, Progress progress, Events events, PartComputer computer) throws IOException {
		return run(job, progress, events, computer, Models::open);
	}

	/**
	 * As {@link #run(Job, Progress, Events, PartComputer)}, the model opened by {@code open} (as {@link #computePart(Job, String,
	 * int, java.util.function.Function)} takes it: a test counts what the model scores).
	 */
	public static Result run(Job job, Progress progress, Events events, PartComputer computer, java.util.function.Function<Path, Classifier> open)
		throws IOException {
		AttributionSettings s = job.attribution();
		// Settings first (counts and grids are bounded when the method is made), then the inputs, then the model.
		AttributionMethod method = checkSettings(job);
		Progress p = progress == null ? Progress.NONE : progress;
		Events ev = events == null ? new Events() {} : events;
		Path saveDir = s.saveDir().toAbsolutePath().normalize();
		Path work = saveDir.resolve(WORK_DIR);
		if (job.input() != null && Files.isDirectory(job.input()) && Files.exists(saveDir)
			&& Files.isSameFile(job.input().toAbsolutePath().normalize(), saveDir)) {
			throw new IllegalArgumentException("save_dir " + saveDir + " is the input folder: the results written there (a map TIFF)"
				+ " would be read as an input by the next run; choose another save_dir, e.g. " + saveDir.resolve("conceptscope") + ".");
		}
		BatchInputs inputs = BatchInputs.scan(job.input());
		// Every ROI file is read and checked before the model is loaded.
		BatchRois rois = BatchRois.of(s.rois(), inputs);
		if (rois != null) rois.notes().forEach(ev::message);
		if (rois != null && !rois.without(inputs).isEmpty()) {
			List<String> without = rois.without(inputs);
			ev.message("No ROI file for " + without.size() + " of " + inputs.inputs().size() + " images (" + String.join(", ", without.subList(0,
				Math.min(5, without.size()))) + (without.size() > 5 ? ", ..." : "") + "): they get no row.");
		}
		// What a part holds, checked before the model loads (again with what the model tells once it is loaded): a
		// part too large for the heap is refused now, not after hours of tiles.
		int firstGuess = Math.min(job.batch() > 0 ? job.batch() : 1, inputs.size());
		BatchMemory.check(inputs.inputs().get(0).name(), new BatchMemory.Shape(inputs.width(), inputs.height(), inputs.sourceBytes(), 0, true,
			false, false), firstGuess, job.batch() > 0);
		if (computer != null) BatchMemory.checkHandedOver(inputs.inputs().get(0).name(), inputs.width(), inputs.height(), firstGuess);
		try (Classifier opened = open.apply(s.model())) {
			Classifier classifier = OutputOperators.choose(opened, s.operator());
			int target = TargetClass.parse(s.target(), classifier.classNames());
			method.checkRuns(classifier);
			method.checkInput(classifier, inputs.height(), inputs.width()); // a model of any size: the images'
			Models.notesSaidByCaller(() -> {
				probe(classifier, inputs); // its palette note is InputWarnings' line, not a Log line of the first file
				return null;
			});
			String base = AttributionOutputs.fileName(inputs.baseName() + "-" + method.name());
			List<Path> outputs = rois == null
				? List.of(saveDir.resolve(base + "-results.csv"), saveDir.resolve(base + "-map.tif"),
					AttributionOutputs.roiSetOf(saveDir.resolve(base + "-map.tif")))
				: List.of(saveDir.resolve(base + "-regions.csv"), saveDir.resolve(base + "-regions.tif"),
					AttributionOutputs.roiSetOf(saveDir.resolve(base + "-regions.tif")));

			// Everything above only read; from here on the run writes, one run per save_dir at a time.
			try (RunLock lock = RunLock.take(work)) {
				return write(job, s, classifier, method, target, inputs, rois, saveDir, work, outputs, p, ev, computer);
			} catch (IOException e) {
				throw new IOException(writeFailure(saveDir, e, committedPartsOrNone(work.resolve(PARTS)) > 0), e);
			}
		}
	}

	/**
	 * The job's keys checked without reading any file: the values of the keys (a method, a range, a
	 * count), save_dir given, output=image, batch not negative. The one place these are checked, so
	 * the runner calls each of them a usage error (exit status 2), whichever key is wrong.
	 *
	 * @return the method the settings describe
	 * @throws IllegalArgumentException naming the key and what to give
	 */
	public static AttributionMethod checkSettings(Job job) {
		AttributionSettings s = job.attribution();
		s.validate();
		if (s.saveDir() == null) {
			throw new IllegalArgumentException("No output folder given: set save_dir=<folder> (created if missing; the run keeps"
				+ " its finished parts there, so a stopped run can resume).");
		}
		if (s.mapAsChannel()) {
			throw new IllegalArgumentException("The batch runner writes the maps as a stack of their own (output=image); open it"
				+ " beside your stack in Fiji, or run the Attribution command for output=channel.");
		}
		if (job.batch() < 0) throw new IllegalArgumentException("batch must be 0 (automatic) or positive, got " + job.batch() + ".");
		return AttributionMethods.create(s);
	}

	/**
	 * "1 part of 12 slices", "3 parts of 4 slices (the last of 2)": the slices a part really holds, not the
	 * batch size when it is larger than the run (an automatic batch of 256 for 12 slices).
	 */
	public static String partsOf(int parts, int batch, int entries) {
		int size = Math.min(batch, entries), last = entries - (parts - 1) * size;
		return count(parts, "part", "parts") + " of " + count(size, "slice", "slices") + (parts > 1 && last != size ? " (the last of " + last + ")" : "");
	}

	/** "1 batch", "3 batches". */
	static String count(long n, String one, String many) {
		return n + " " + (n == 1 ? one : many);
	}

	/** An I/O failure while writing, as one sentence with the folder (a read-only folder, a full disk). */
	static String writeFailure(Path saveDir, IOException e, boolean partsKept) {
		String file = e instanceof java.nio.file.FileSystemException f && f.getFile() != null ? " (" + f.getFile() + ")" : "";
		// a reason that is a sentence of its own ("Cannot write x: a folder with that name exists.") keeps one full stop
		return "Cannot write the results in save_dir " + saveDir + file + ": " + IoFailures.reason(e).strip().replaceAll("\\.$", "") + ". Check that the folder is writable and"
			+ " the disk has space, or choose another save_dir" + (partsKept ? "; finished parts are kept, so the same command resumes." : ".");
	}

	private static Result write(Job job, AttributionSettings s, Classifier classifier, AttributionMethod method, int target,
		BatchInputs scanned, BatchRois rois, Path saveDir, Path work, List<Path> outputs, Progress p, Events ev, PartComputer computer) throws IOException {
		BatchManifest previous = job.restart() ? null : ResumableParts.previous(work);
		List<String> names = outputs.stream().map(o -> o.getFileName().toString()).toList();
		// The finished run that wrote these outputs, if any: each output set keeps its own record, so
		// another method's run in the same save_dir neither hides it nor is mistaken for it.
		BatchManifest finished = job.restart() ? null : finishedRun(work, previous, names);
		boolean unfinished = previous != null && !previous.complete;
		// Each input's content: as recorded where its length, time and fingerprint are; else read whole.
		List<BatchInputs.Input> known = new ArrayList<>();
		if (previous != null) known.addAll(previous.inputs);
		if (finished != null) known.addAll(finished.inputs);
		BatchInputs inputs = scanned.hashed(known, bytes -> {
			if (bytes >= 1L << 30) {
				ev.message("Reading the input" + (scanned.inputs().size() > 1 ? "s" : "") + " whole once (" + ImagePlusTensors.readableSize(bytes)
					+ ") for their SHA-256, so that a resumed run can tell they are unchanged...");
			}
		});
		// automatic: the batch size of the run these outputs belong to, so the same command matches it
		int batch = job.batch() > 0 ? job.batch() : unfinished && previous.outputs.equals(names) ? previous.batch
			: finished != null ? finished.batch : StackRunner.automaticBatch(classifier, inputs.height(), inputs.width(), s.overlap());
		BatchManifest now = manifest(s, classifier, inputs, rois, batch, outputs);
		String finishedDiff = finished == null ? null : finished.difference(now);
		if (finished != null && finishedDiff == null) adoptOldRoiSetName(finished, outputs.get(2), ev);
		if (finished != null && finishedDiff == null && outputs.stream().allMatch(Files::isRegularFile)) {
			if (!finished.inputs.equals(now.inputs) && finished.complete) {
				// the same content under new times (a copy): recorded, so the next run need not read the inputs again
				finished.inputs = now.inputs;
				Files.createDirectories(work.resolve(FINISHED));
				finished.save(finishedRecord(work, names));
			}
			ev.message("Already complete: " + saveDir + " holds the results of this run (add restart to compute them again).");
			ev.results(outputs);
			return new Result(now.entries, now.parts, batch, 0, now.parts, finished.runs, true, outputs, work);
		}
		checkMemory(classifier, inputs, batch, job.batch() > 0, computer != null);
		boolean resume = false;
		if (unfinished) {
			long kept = committedParts(work.resolve(PARTS)), tiles = keptTileBatches(work.resolve(TILES));
			// An earlier run that stopped before finishing a part or a batch of tiles (refused, or stopped at once) holds nothing worth keeping.
			String partial = tiles > 0 ? tiles + " batches of tiles" : null;
			resume = ResumableParts.resumes(saveDir, JOB, previous, now, previous.difference(now, true), kept, partial, ev::message);
			if (resume) {
				for (String key : BatchManifest.ASSEMBLY_SETTINGS) {
					String then = previous.settings.get(key), later = now.settings.get(key);
					if (then != null && later != null && !then.equals(later) && kept > 0) {
						ev.message(key + " changed (" + then + " then, " + later + " now): the finished parts' ROIs are drawn again from their maps.");
					}
				}
			}
		}
		List<String> replaced = outputs.stream().filter(Files::exists).map(o -> o.getFileName().toString()).toList();
		if (!resume && finishedDiff != null && !replaced.isEmpty()) {
			throw new IllegalArgumentException("save_dir " + saveDir + " holds the finished results of a run that differs in " + finishedDiff
				+ " (" + String.join(", ", replaced) + "), which this run would replace: choose another save_dir, or add restart"
				+ " to replace them.");
		}
		Path partsDir = work.resolve(PARTS);
		if (!resume) clear(work);
		ResumableParts.numberRun(now, resume ? previous : null);
		Files.createDirectories(partsDir);
		now.save(work.resolve(MANIFEST));
		BatchParts.syncFolder(work);
		return compute(classifier, method, target, s, inputs, rois, now, work, outputs, resume, p, ev, computer);
	}

	/**
	 * The memory a part needs, now that the model tells whether the images are tiled, how they are
	 * normalised and the batch size: refused in one sentence before anything is written.
	 */
	private static void checkMemory(Classifier classifier, BatchInputs inputs, int batch, boolean batchGiven, boolean handedOver) {
		int perPart = Math.min(batch, inputs.size()), w = inputs.width(), h = inputs.height();
		String name = inputs.inputs().get(0).name();
		boolean tiled = TiledExplainer.needsTiles(classifier, h, w);
		boolean palette = inputs.palette() && Models.readsPalette(classifier);
		boolean statistics = !org.conceptscope.tensor.Normalization.pointwise(classifier.normalization(), ImagePlusTensors.typeMax(inputs.open(0)));
		BatchMemory.check(name, new BatchMemory.Shape(w, h, inputs.sourceBytes(), channelsRead(classifier, inputs), tiled, palette, statistics), perPart,
			batchGiven);
		if (handedOver) BatchMemory.checkHandedOver(name, w, h, perPart);
	}

	/**
	 * The line of the model passes of the parts still to compute (a resumed run's, not those an earlier run finished), or null
	 * for a method that declares none: the entries' sizes come from the files' headers read by the scan, and a ROI run's
	 * tiles from its ROIs' bounds (a stack's ROI planes from its header, as a virtual stack), so no pixel is read for it.
	 */
	static String passesLine(Classifier classifier, AttributionMethod method, AttributionSettings s, BatchInputs inputs, BatchRois rois,
		BatchManifest m, boolean[] done, Path tilesDir) throws IOException {
		int n = m.entries, w = inputs.width(), h = inputs.height();
		long entries = 0, keptTiles = 0;
		List<RegionExplainer.Region> regions = new ArrayList<>();
		Map<Integer, List<RegionExplainer.Region>> byInput = new java.util.HashMap<>();
		for (int k = 0; k < m.parts; k++) {
			if (done[k]) continue;
			int from = k * m.batch, to = Math.min(n, from + m.batch);
			entries += to - from;
			// a part halted partway keeps its explained tile batches: the resume loads them without the model
			if (tilesDir != null) keptTiles += keptExplainedTiles(BatchTiles.partDir(tilesDir, k));
			if (rois == null) continue;
			for (BatchInputs.Segment seg : inputs.segments(from, to)) {
				if (rois.rois(seg.input()).isEmpty()) continue; // no ROI file: no row, no pass
				// an image of one plane by its scanned size (no file read); a stack opened as a virtual stack for its planes' positions
				List<RegionExplainer.Region> all = byInput.computeIfAbsent(seg.input(), i -> inputs.inputs().get(i).entries() == 1
					? RegionTargets.regions(rois.rois(i), w, h, inputs.inputs().get(i).name(), rois.file(i).toString())
					: RegionTargets.regions(rois.rois(i), inputs.open(i), rois.file(i).toString()));
				for (RegionExplainer.Region r : all) if (r.image() >= seg.from() && r.image() < seg.to()) regions.add(r);
			}
		}
		String kept = keptTiles > 0 ? keptTiles + " tile" + (keptTiles == 1 ? "" : "s") + " explained by an earlier run" : "";
		String left = entries < n ? " (" + entries + " of " + n + " slices left; the others are done" + (kept.isEmpty() ? "" : "; " + kept) + ")"
			: kept.isEmpty() ? "" : " (" + kept + ")";
		if (rois == null) {
			return org.conceptscope.fiji.run.AttributionRun.passesLine(NAME, classifier, h, w, channelsRead(classifier, inputs), entries, keptTiles,
				left, method, s.overlap());
		}
		if (regions.isEmpty()) return null;
		return org.conceptscope.fiji.run.AttributionRun.regionPassesLine(NAME, classifier, h, w, channelsRead(classifier, inputs), regions,
			RegionExplainer.Mode.parse(s.region()), left, method, s.overlap());
	}

	/** The channels the model reads of the inputs (their palette's colours for a model that reads them). */
	private static int channelsRead(Classifier classifier, BatchInputs inputs) {
		return Models.channelsRead(classifier, inputs.palette(), inputs.inputs().get(0).channels());
	}

	/**
	 * The tiles whose maps a part's folder of tile batches already holds (pass 2 batches, named "pass2-first-count.bin"), which a
	 * resumed part takes from there instead of explaining them again; 0 when the folder does not exist.
	 */
	private static long keptExplainedTiles(Path partDir) throws IOException {
		if (!Files.isDirectory(partDir)) return 0;
		try (Stream<Path> s = Files.walk(partDir)) {
			return s.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).filter(f -> f.matches("pass2-\\d+-\\d+\\.bin"))
				.mapToLong(f -> Long.parseLong(f.substring(f.lastIndexOf('-') + 1, f.length() - 4))).sum();
		}
	}

	/** Tile batches kept in a run's tiles folder (a part's work before it is finished; none when it does not exist). */
	private static long keptTileBatches(Path tilesDir) throws IOException {
		if (!Files.isDirectory(tilesDir)) return 0;
		try (Stream<Path> s = Files.walk(tilesDir)) {
			return s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".bin")).count();
		}
	}

	private static Result compute(Classifier classifier, AttributionMethod method, int target, AttributionSettings s,
		BatchInputs inputs, BatchRois rois, BatchManifest m, Path work, List<Path> outputs, boolean resume, Progress progress, Events ev,
		PartComputer computer) throws IOException {
		Path partsDir = work.resolve(PARTS), journal = work.resolve(JOURNAL), tilesDir = work.resolve(TILES);
		removeTemporaryFiles(partsDir);
		removeTemporaryTiles(tilesDir);
		removeTemporaryOutputs(outputs);
		int n = m.entries, parts = m.parts, batch = m.batch;
		boolean[] done = new boolean[parts];
		int kept = 0;
		long doneEntries = 0;
		for (int k = 0; k < parts; k++) {
			int from = k * batch, to = Math.min(n, from + batch);
			if (BatchParts.readIfValid(partsDir, k, from, to, inputs.width(), inputs.height()) != null) {
				Folders.deleteTree(BatchTiles.partDir(tilesDir, k)); // a kill between the part's commit and this cleaning
				done[k] = true;
				kept++;
				doneEntries += to - from;
			} else if (Files.exists(BatchParts.file(partsDir, k))) {
				ev.message("Part " + k + " (slices " + (from + 1) + "-" + to + ") is damaged; it is computed again.");
				Files.delete(BatchParts.file(partsDir, k));
			}
		}
		if (resume) {
			ev.message("Resuming: " + kept + " of " + parts + " parts (" + doneEntries + " of " + n + " slices) are done; computing the other "
				+ (parts - kept) + ".");
		}
		journal(journal, "run " + m.runs + (resume ? " resumed" : " started") + ": " + n + " slices in " + partsOf(parts, batch, n) + ", "
			+ kept + " done");
		// Said once per run, on the runner's message channel (stderr), not by each part on stdout.
		String padding = kept < parts ? TiledExplainer.paddingNote(TiledExplainer.grid(classifier, inputs.height(), inputs.width(), s.overlap())) : null;
		if (padding != null) ev.message(padding);
		if (kept < parts) {
			// a resumed run: the files of the parts it computes, not again those an earlier run finished
			boolean[] explained = new boolean[inputs.inputs().size()];
			for (int k = 0; k < parts; k++) {
				if (done[k]) continue;
				for (BatchInputs.Segment seg : inputs.segments(k * batch, Math.min(n, (k + 1) * batch))) explained[seg.input()] = true;
			}
			// a ROI run explains no input without ROIs (it gets no row): its warnings count none of them
			if (rois != null) for (int i = 0; i < explained.length; i++) explained[i] &= !rois.rois(i).isEmpty();
			InputWarnings.warn(classifier, inputs, explained, kept > 0, ev::message);
			// a part computer elsewhere does not take the kept tile batches (computePart keeps none)
			String passes = passesLine(classifier, method, s, inputs, rois, m, done, computer == null ? tilesDir : null);
			if (passes != null) ev.message(passes); // before the wait, as the Attribution command says it
		}
		String model = AttributionOutputs.modelName(s.model());
		Committer committer = new Committer(m, work, done, kept, doneEntries, progress, ev);
		int[] working = { -1 }; // the part being computed, for a sentence if the heap runs out
		try {
			try {
				if (!progress.report(doneEntries, n, "slices")) throw new CancellationException();
				List<Integer> missing = new ArrayList<>();
				for (int k = 0; k < parts; k++) if (!done[k]) missing.add(k);
				if (computer == null) {
					// the last part computed, let go once it is written (not held while the next one is computed)
					BatchParts.Part[] finishedPart = new BatchParts.Part[1];
					for (int k : missing) {
						int from = k * batch, to = Math.min(n, from + batch);
						long before = committer.doneEntries;
						int part = k;
						working[0] = k;
						// the bar counts whole slices, so a part of one large slice says in words how far it is
						Progress within = (d, t, msg) -> progress.report(before + (t > 0 ? d * (to - from) / t : 0), n,
							t > 0 && d < t ? "slices (part " + (part + 1) + " of " + parts + ": " + 100 * d / t + " %)" : "slices");
						BatchTiles tiles = new BatchTiles(BatchTiles.partDir(tilesDir, k));
						try {
							// the pixel-size warning and the palette note: said once for the run (InputWarnings), not by each file's part
							finishedPart[0] = Models.notesSaidByCaller(() -> part(classifier, method, target, s, inputs, rois, model, k, from, to, within,
								tiles));
						} catch (java.io.UncheckedIOException e) {
							throw e.getCause(); // a tile batch could not be kept (a full disk): said as any write failure
						}
						if (tiles.kept() > 0) {
							ev.message("Part " + k + ": " + count(tiles.kept(), "batch", "batches") + " of tiles kept from an earlier run, " + tiles.computed()
								+ " computed.");
						}
						// streamed into its file as it is encoded: the part is not copied into an array first
						boolean go = committer.commit(k, dir -> BatchParts.write(dir, finishedPart[0]));
						finishedPart[0] = null;
						working[0] = -1;
						Folders.deleteTree(BatchTiles.partDir(tilesDir, k));
						if (!go) break;
					}
				} else {
					computer.compute(m.toJson(), List.copyOf(missing), committer::accept);
				}
				if (committer.kept < parts) throw new CancellationException();
			} catch (CancellationException e) {
				throw stopped(journal, m, committer.doneEntries, n);
			}
			working[0] = parts;
			ev.message("Writing the results...");
			assemble(classifier, method, inputs, rois != null, s.topFraction(), m, partsDir, outputs);
		} catch (OutOfMemoryError e) {
			throw outOfMemory(e, journal, m, inputs, working[0], committer.doneEntries);
		}
		int computed = committer.computed;
		m.complete = true;
		m.save(work.resolve(MANIFEST));
		Files.createDirectories(work.resolve(FINISHED));
		m.save(finishedRecord(work, m.outputs));
		journal(journal, "run " + m.runs + " complete: " + String.join(", ", m.outputs));
		Folders.deleteTree(partsDir);
		Folders.deleteTree(tilesDir);
		ev.results(outputs);
		return new Result(n, parts, batch, computed, parts - computed, m.runs, false, outputs, work);
	}

	/**
	 * The heap ran out although the part's estimate fitted (another program's share, a method that holds
	 * more): a "stopped" line in the journal, and one sentence with what to do. The finished parts and
	 * tile batches are kept, so the same command with more memory resumes.
	 */
	private static IllegalStateException outOfMemory(OutOfMemoryError e, Path journal, BatchManifest m, BatchInputs inputs, int part, long done) {
		String where = part < 0 ? "" : part >= m.parts ? " while writing the results"
			: " in part " + (part + 1) + " of " + m.parts + " (slices " + (part * m.batch + 1) + "-" + Math.min(m.entries, (part + 1) * m.batch) + ")";
		try {
			journal(journal, "run " + m.runs + " stopped: out of memory" + where + ", " + done + " of " + m.entries + " slices done");
		} catch (IOException | OutOfMemoryError ignored) {
			// the sentence below says it all the same
		}
		long max = Runtime.getRuntime().maxMemory();
		long suggest = Math.max(2, (long) Math.ceil(2.0 * max / (1L << 30)));
		IllegalStateException s = new IllegalStateException("Java ran out of memory" + where + " for '" + inputs.inputs().get(0).name() + "' ("
			+ inputs.width() + " x " + inputs.height() + " pixels) with the " + ImagePlusTensors.readableSize(max) + " it may use: run the same"
			+ " command again with more memory, e.g. " + BatchLauncher.command(suggest) + " ... (the finished parts"
			+ (done > 0 ? ", " + done + " slices," : "") + " and batches of tiles are kept, so it resumes), or export a smaller region of the image.",
			e);
		return s;
	}

	/** Writes each finished part once, journals it and reports progress. */
	private static final class Committer {

		private final BatchManifest m;
		private final Path partsDir, journal;
		private final boolean[] done;
		private final Progress progress;
		private final Events ev;
		int kept, computed;
		long doneEntries;

		Committer(BatchManifest m, Path work, boolean[] done, int kept, long doneEntries, Progress progress, Events ev) {
			this.m = m;
			this.partsDir = work.resolve(PARTS);
			this.journal = work.resolve(JOURNAL);
			this.done = done;
			this.kept = kept;
			this.doneEntries = doneEntries;
			this.progress = progress;
			this.ev = ev;
		}

		/** A part from elsewhere: checked to be the part asked for before it is kept. */
		synchronized boolean accept(int k, byte[] bytes) throws IOException {
			if (k < 0 || k >= m.parts) throw new IOException("A worker returned part " + k + ", but the run has parts 0-" + (m.parts - 1) + ".");
			int from = k * m.batch, to = Math.min(m.entries, from + m.batch);
			BatchInputs.Input first = m.inputs.get(0);
			BatchParts.Part p = BatchParts.parse(bytes, BatchParts.file(partsDir, k));
			if (p.index() != k || p.from() != from || p.to() != to || p.width() != first.width() || p.height() != first.height()) {
				throw new IOException("A worker returned part " + p.index() + " (slices " + (p.from() + 1) + "-" + p.to()
					+ ") for part " + k + " (slices " + (from + 1) + "-" + to + "): the workers run another version of ConceptScope.");
			}
			return commit(k, dir -> BatchParts.write(dir, k, bytes));
		}

		/** Writes a part's file into the parts folder. */
		interface PartFile {
			void writeInto(Path partsDir) throws IOException;
		}

		/** Keeps part k unless it is already kept (a retried task's second copy); false when the run is to stop. */
		synchronized boolean commit(int k, PartFile file) throws IOException {
			int from = k * m.batch, to = Math.min(m.entries, from + m.batch);
			if (!done[k]) {
				file.writeInto(partsDir);
				done[k] = true;
				journal(journal, "run " + m.runs + " part " + k + " slices " + (from + 1) + "-" + to + " computed");
				computed++;
				kept++;
				doneEntries += to - from;
				ev.partDone(k, kept, m.parts);
			}
			return progress.report(doneEntries, m.entries, "slices") || kept == m.parts;
		}
	}

	/**
	 * Part {@code index} of the run that {@code manifestJson} describes, as the bytes of its part
	 * file: what a worker on another thread or machine runs for a {@link PartComputer}. The job
	 * must be the run's own (its model path may point to a copy of the model). Each thread keeps
	 * its model open for the next part of the same run.
	 */
	public static byte[] computePart(Job job, String manifestJson, int index) throws IOException {
		return computePart(job, manifestJson, index, Models::open);
	}

	/**
	 * {@link #computePart(Job, String, int)} with the thread's model opened by {@code open} (a Spark executor's,
	 * whose temporary files go into one folder per JVM, removed when it exits: a thread's model is closed only
	 * when a part of another run comes).
	 */
	public static byte[] computePart(Job job, String manifestJson, int index, java.util.function.Function<Path, Classifier> open)
		throws IOException {
		Worker w = Worker.forThread(job, manifestJson, open);
		BatchManifest m = w.manifest;
		if (index < 0 || index >= m.parts) throw new IllegalArgumentException("The run has parts 0-" + (m.parts - 1) + ", not " + index + ".");
		int from = index * m.batch, to = Math.min(m.entries, from + m.batch);
		// a worker's (a cluster task's) part writes no Log note: the run's driver says them once (InputWarnings)
		return BatchParts.bytes(Models.notesSaidByCaller(() -> part(w.classifier, w.method, w.target, job.attribution(), w.inputs, w.rois,
			w.model, index, from, to, Progress.NONE, null)));
	}

	/** One thread's open model and inputs for the parts of one run. */
	private static final class Worker {

		private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

		final String key;
		final BatchManifest manifest;
		final Classifier classifier;
		final AttributionMethod method;
		final int target;
		final BatchInputs inputs;
		final BatchRois rois;
		final String model;

		private Worker(String key, BatchManifest manifest, Classifier classifier, AttributionMethod method, int target, BatchInputs inputs,
			BatchRois rois, String model) {
			this.key = key;
			this.manifest = manifest;
			this.classifier = classifier;
			this.method = method;
			this.target = target;
			this.inputs = inputs;
			this.rois = rois;
			this.model = model;
		}

		static Worker forThread(Job job, String manifestJson, java.util.function.Function<Path, Classifier> open) throws IOException {
			AttributionSettings s = job.attribution();
			String key = s.toMacroOptions() + "\n" + manifestJson;
			Worker w = CURRENT.get();
			if (w != null && w.key.equals(key)) return w;
			if (w != null) {
				CURRENT.remove();
				w.classifier.close();
			}
			BatchManifest m = BatchManifest.fromJson(manifestJson, "The batch run's manifest");
			String version = BatchManifest.currentVersion();
			if (!version.equals(m.version)) {
				throw new IllegalArgumentException("The batch run was started with ConceptScope " + m.version + " but this worker runs " + version
					+ ": give every worker the version of the run.");
			}
			Classifier classifier = OutputOperators.choose(open.apply(s.model()), s.operator(), true);
			try {
				if (!classifier.classNames().equals(m.classes)) {
					throw new IllegalArgumentException("The model " + s.model() + " has the classes " + classifier.classNames() + " but the run was"
						+ " started with " + m.classes + ": give every worker the run's model.");
				}
				AttributionMethod method = AttributionMethods.create(s);
				BatchInputs inputs = BatchInputs.of(m);
				BatchRois rois = BatchRois.of(s.rois(), inputs);
				if (rois != null && !rois.sha256().equals(m.roisSha256)) {
					throw new IllegalArgumentException("The ROI files " + s.rois() + " differ from those the run was started with: give every"
						+ " worker the run's ROI files.");
				}
				w = new Worker(key, m, classifier, method, TargetClass.parse(s.target(), classifier.classNames()), inputs, rois,
					AttributionOutputs.modelName(s.model()));
			} catch (RuntimeException e) {
				classifier.close();
				throw e;
			}
			CURRENT.set(w);
			return w;
		}
	}

	private static CancellationException stopped(Path journal, BatchManifest m, long done, int n) throws IOException {
		journal(journal, "run " + m.runs + " stopped: " + done + " of " + n + " slices done");
		return new CancellationException(done == 0 ? "Stopped before a part was finished: run the same command again to start."
			: "Stopped with " + done + " of " + n + " slices done; they are kept: run the same command again to compute the rest.");
	}

	/** As {@link #committedParts}, 0 when the folder cannot be read either (a save_dir that cannot be used at all). */
	private static long committedPartsOrNone(Path partsDir) {
		try {
			return committedParts(partsDir);
		} catch (IOException | RuntimeException e) {
			return 0;
		}
	}

	/** Part files committed in a run's parts folder (none when it does not exist). */
	private static long committedParts(Path partsDir) throws IOException {
		if (!Files.isDirectory(partsDir)) return 0;
		try (Stream<Path> s = Files.list(partsDir)) {
			return s.filter(f -> f.getFileName().toString().startsWith("part-") && !f.getFileName().toString().endsWith(AtomicFiles.TEMP_SUFFIX))
				.count();
		}
	}

	/** Entries [from, to) of the run, explained; one model call per part as in any run of this job. */
	private static BatchParts.Part part(Classifier classifier, AttributionMethod method, int target, AttributionSettings s,
		BatchInputs inputs, BatchRois rois, String model, int index, int from, int to, Progress progress, BatchTiles kept)
		throws IOException {
		if (rois != null) return regionPart(classifier, method, target, s, inputs, rois, index, from, to, progress);
		List<BatchInputs.Segment> segments = inputs.segments(from, to);
		List<ImagePlus> images = new ArrayList<>();
		List<FloatTensor> tensors = new ArrayList<>();
		// Images of another size than the model's input are explained tile by tile, one file's entries at a time.
		boolean tiled = TiledExplainer.needsTiles(classifier, inputs.height(), inputs.width());
		List<Explanation> tiledExplanations = new ArrayList<>();
		int segment = 0;
		for (BatchInputs.Segment seg : segments) {
			TileCheckpoint checkpoint = kept == null ? TileCheckpoint.NONE : kept.segment(segment++);
			ImagePlus imp = inputs.open(seg.input());
			ImagePlus part = StackRunner.batchImage(imp, ImagePlusTensors.batches(imp), seg.from(), seg.to());
			images.add(part);
			try {
				if (tiled) {
					int start = seg.globalFrom() - from, len = seg.to() - seg.from();
					Progress within = within(progress, start, len, to - from);
					tiledExplanations.add(Explainer.explainTiled(classifier, part, method, target, model, s.overlap(), seg.from(), within,
						checkpoint, false));
				} else {
					tensors.add(Models.checkedInput(part, classifier).tensor());
				}
			} catch (ImagePlusTensors.NonFiniteValues e) {
				// named by the slice of the input file, not by the place in this part
				throw new IllegalArgumentException(ImagePlusTensors.NonFiniteValues.sentence(
					"'" + inputs.inputs().get(seg.input()).name() + "'", ImagePlusTensors.batches(imp), seg.from() + e.entry, e.normalised), e);
			}
		}
		FloatTensor probabilities = null;
		int[] predicted = null, targets = null;
		Attribution a = null;
		if (!tiled) {
			FloatTensor x = tensors.size() == 1 ? tensors.get(0) : FloatTensor.concat(tensors);
			probabilities = classifier.probabilities(x);
			predicted = probabilities.argmaxRows();
			targets = predicted.clone();
			if (target != AttributionMethod.PREDICTED) Arrays.fill(targets, target);
			a = explain(classifier, method, x, targets, segments, tensors, progress);
		}

		List<BatchParts.Entry> entries = new ArrayList<>();
		int offset = 0, w = inputs.width(), h = inputs.height();
		for (int i = 0; i < segments.size(); i++) {
			BatchInputs.Segment seg = segments.get(i);
			int len = seg.to() - seg.from();
			ImagePlus source = inputs.open(seg.input()), part = images.get(i);
			Explanation e = tiled ? tiledExplanations.get(i) : new Explanation(part, ImagePlusTensors.batches(part), classifier.classNames(),
				probabilities.range(offset, offset + len), Arrays.copyOfRange(predicted, offset, offset + len),
				a.range(offset, offset + len, method.perImageKeys(), classifier.classNames()),
				method.name(), model);
			BatchIndex where = ImagePlusTensors.batches(source);
			String file = inputs.inputs().get(seg.input()).name();
			List<List<String>> rows = ResultsCsvWriter.rows(e);
			for (int b = 0; b < len; b++) {
				int slice = where.slice(seg.from() + b), frame = where.frame(seg.from() + b), global = seg.globalFrom() + b;
				List<String> row = rows.get(b);
				row.set(0, Integer.toString(slice));
				row.set(1, Integer.toString(frame));
				row.set(2, SliceLabels.of(source, slice, frame));
				if (inputs.isFolder()) row.add(0, file);
				StringBuilder line = new StringBuilder();
				ResultsCsvWriter.appendLine(line, row);
				line.setLength(line.length() - 1);
				// a segment of one large slice keeps its blended map as it is, not a second copy of it
				float[] whole = e.attribution().maps().data();
				float[] map = len == 1 && whole.length == w * h ? whole : e.map(b);
				String targetName = e.className(e.target(b));
				String label = mapLabel(inputs.isFolder() ? file : null, source, where, seg.from() + b,
					SliceLabels.mapLabel("", method.name(), targetName));
				Roi roi = RoiWriter.roi(map, w, h, s.topFraction(), method.name(), targetName);
				String roiName = null;
				byte[] encoded = null;
				if (roi != null) {
					int frameInName = where.frames() > 1 ? frame : 0;
					if (inputs.isFolder()) {
						// One map stack for the whole folder: the ROI sits on this entry's plane of it.
						roiName = frameInName > 0 ? RoiWriter.join(method.name(), targetName, file, "slice=" + slice, "frame=" + frame)
							: RoiWriter.join(method.name(), targetName, file, "slice=" + slice);
						roi.setPosition(global + 1); // a plain stack: ImageJ places ROIs by stack index
					} else {
						roiName = RoiWriter.name(method.name(), targetName, slice, frameInName);
						RoiPositions.place(roi, 1, where.slices(), where.frames(), 0, slice, frame);
					}
					roi.setName(roiName);
					encoded = RoiWriter.encode(roi);
				}
				entries.add(new BatchParts.Entry(line.toString(), label, map, roiName, encoded));
			}
			offset += len;
			// what only this segment needed (its planes, its blended maps) is let go before the next one is finished
			images.set(i, null);
			if (tiled) tiledExplanations.set(i, null);
		}
		return new BatchParts.Part(index, from, to, w, h, entries);
	}

	/**
	 * The label of entry {@code entry} of {@code source}'s map plane showing {@code what} ({@link SliceLabels#mapLabel}),
	 * as the Attribution command labels its maps (whole-image or region maps): after the slice's short label; in a folder's map stack after the file's name without
	 * extension (as ImageJ shortens it), with {@code :} and the slice's short label (else the entry's number in the file)
	 * for a file of several planes, so each plane names where it comes from.
	 */
	private static String mapLabel(String file, ImagePlus source, BatchIndex where, int entry, String what) {
		String slice = SliceLabels.shortLabel(source, where, entry);
		if (file == null) return SliceLabels.mapLabel(slice, what);
		String lead = SliceLabels.shorten(file);
		if (where.size() > 1) lead += ":" + (slice.isEmpty() ? Integer.toString(entry + 1) : slice);
		return SliceLabels.mapLabel(lead, what);
	}

	/**
	 * Entries [from, to) of a run with ROIs: each ROI on these entries explained alone with the
	 * tiles of its own file (as the Attribution command explains it on that file), one CSV line per
	 * ROI, the entry's map NaN outside the explained areas, the ROIs' outlines.
	 */
	private static BatchParts.Part regionPart(Classifier classifier, AttributionMethod method, int target, AttributionSettings s,
		BatchInputs inputs, BatchRois rois, int index, int from, int to, Progress progress) throws IOException {
		RegionExplainer.Mode mode = RegionExplainer.Mode.parse(s.region());
		List<BatchParts.Entry> entries = new ArrayList<>();
		int w = inputs.width(), h = inputs.height();
		for (BatchInputs.Segment seg : inputs.segments(from, to)) {
			ImagePlus source = inputs.open(seg.input());
			String file = inputs.inputs().get(seg.input()).name();
			List<RegionExplainer.Region> regions = new ArrayList<>();
			if (!rois.rois(seg.input()).isEmpty()) {
				for (RegionExplainer.Region r : RegionTargets.regions(rois.rois(seg.input()), source, rois.file(seg.input()).toString())) {
					if (r.image() >= seg.from() && r.image() < seg.to()) regions.add(r);
				}
			}
			int start = seg.globalFrom() - from, len = seg.to() - seg.from();
			Progress within = within(progress, start, len, to - from);
			RegionExplanations.Explained e = regions.isEmpty() ? new RegionExplanations.Explained(List.of(), List.of())
				: RegionExplanations.explainEach(classifier, source, regions, mode, method, target, s.overlap(), within, false);
			BatchIndex where = ImagePlusTensors.batches(source);
			for (int b = seg.from(); b < seg.to(); b++) {
				StringBuilder lines = new StringBuilder();
				List<String> names = new ArrayList<>();
				List<byte[]> outlines = new ArrayList<>();
				int global = seg.globalFrom() + b - seg.from();
				for (int i = 0; i < regions.size(); i++) {
					RegionExplainer.Region region = regions.get(i);
					if (region.image() != b) continue;
					List<String> row = new ArrayList<>(e.rows().get(i));
					if (inputs.isFolder()) row.add(0, file);
					ResultsCsvWriter.appendLine(lines, row);
					Roi roi = RegionExplanations.outline(region);
					if (inputs.isFolder()) {
						roi.setName(RoiWriter.join(file, region.name()));
						roi.setPosition(global + 1); // one plain map stack for the folder: ImageJ places ROIs by stack index
					} else {
						RoiPositions.place(roi, 1, where.slices(), where.frames(), 0, where.slice(b), where.frame(b));
					}
					names.add(roi.getName());
					outlines.add(RoiWriter.encode(roi));
				}
				if (lines.length() > 0) lines.setLength(lines.length() - 1);
				entries.add(new BatchParts.Entry(lines.toString(), mapLabel(inputs.isFolder() ? file : null, source, where, b,
					RegionExplanations.planeLabel(method.name())),
					RegionExplanations.plane(e.results(), b, w, h), names, outlines));
			}
		}
		return new BatchParts.Part(index, from, to, w, h, entries);
	}

	/**
	 * The part's maps. A method whose random draws depend on an image's position in the batch is
	 * run per file, its images numbered as in that file, so every slice gets the map that
	 * explaining its whole file would give; the others run once on the whole part.
	 */
	private static Attribution explain(Classifier classifier, AttributionMethod method, FloatTensor x, int[] targets,
		List<BatchInputs.Segment> segments, List<FloatTensor> tensors, Progress progress) {
		if (method.numberingImagesFrom(1) == method) return method.explain(classifier, x, targets, progress);
		List<FloatTensor> maps = new ArrayList<>();
		Map<String, String> metadata = null;
		// the method's per-image values (SmoothGrad's sigma, IG's completeness, EVA's margins) of every segment, in order
		Map<String, List<String>> perImage = new java.util.LinkedHashMap<>();
		int offset = 0, n = targets.length;
		for (int i = 0; i < segments.size(); i++) {
			BatchInputs.Segment seg = segments.get(i);
			int len = seg.to() - seg.from(), start = offset;
			Progress within = within(progress, start, len, n);
			Attribution a = method.numberingImagesFrom(seg.from()).explain(classifier, tensors.get(i),
				Arrays.copyOfRange(targets, offset, offset + len), within);
			maps.add(a.maps());
			if (metadata == null) metadata = new java.util.LinkedHashMap<>(a.metadata());
			for (String key : method.perImageKeys()) {
				String list = a.metadata().get(key);
				if (list != null) perImage.computeIfAbsent(key, k -> new ArrayList<>()).addAll(Attribution.items(list));
			}
			offset += len;
		}
		for (String key : method.perImageKeys()) {
			List<String> values = perImage.get(key);
			if (values != null && values.size() == n) metadata.put(key, values.toString());
			else metadata.remove(key); // not every segment has it: no value to give each image
		}
		// the first segment's metadata named only its own targets
		metadata.put("targets", Arrays.toString(targets));
		metadata.put("target_classes", AttributionMethod.targetClasses(classifier.classNames(), targets));
		return new Attribution(maps.size() == 1 ? maps.get(0) : FloatTensor.concat(maps), targets, metadata);
	}

	/**
	 * Every part, in order, into the three result files; each appears complete or not at all. A part is
	 * read one entry at a time, so the results take one map's memory whatever the parts' size. A part
	 * whose ROIs were drawn with another top fraction (a resumed run that changed it) has them drawn
	 * again from its maps, as if computed with this one.
	 */
	private static void assemble(Classifier classifier, AttributionMethod method, BatchInputs inputs, boolean regions, double topFraction,
		BatchManifest m, Path partsDir, List<Path> outputs) throws IOException {
		BatchInputs.Input first = inputs.inputs().get(0);
		int slices = inputs.isFolder() ? m.entries : first.slices(), frames = inputs.isFolder() ? 1 : first.frames();
		int w = inputs.width(), h = inputs.height();
		String fraction = org.conceptscope.fiji.write.Numbers.property(topFraction);
		List<String> header = new ArrayList<>(regions ? RegionExplanations.HEADER : ResultsCsvWriter.header(classifier.classNames(), method));
		if (inputs.isFolder()) header.add(0, "file");
		try (AtomicFiles.Pending csv = AtomicFiles.begin(outputs.get(0));
			// one stack's maps keep its pixel size; a folder's files may each have their own, so its maps stay in pixels
			TiffStackWriter tiff = new TiffStackWriter(outputs.get(1), inputs.width(), inputs.height(), slices, frames,
				inputs.isFolder() ? null : HeatmapWriter.spatialCalibration(inputs.open(0)), regions
					? SliceLabels.longestMapLabel(RegionExplanations.planeLabel(method.name())) : SliceLabels.longestMapLabel(method.name(), classifier.classNames()));
			AtomicFiles.Pending zip = AtomicFiles.begin(outputs.get(2))) {
			OutputStream csvStream = new BufferedOutputStream(csv.stream(), 1 << 16);
			Writer table = new OutputStreamWriter(csvStream, StandardCharsets.UTF_8);
			StringBuilder line = new StringBuilder();
			ResultsCsvWriter.appendLine(line, header);
			table.write(line.toString());
			OutputStream zipStream = new BufferedOutputStream(zip.stream(), 1 << 16);
			RoiWriter.ZipWriter rois = new RoiWriter.ZipWriter(zipStream);
			for (int k = 0; k < m.parts; k++) {
				int from = k * m.batch, to = Math.min(m.entries, from + m.batch);
				// the ROIs of a part all come from one run: the first one says which top fraction drew them
				Boolean[] redraw = { regions ? Boolean.FALSE : null };
				BatchParts.Part part = BatchParts.read(BatchParts.file(partsDir, k), e -> {
					if (!e.csvLine().isEmpty()) {
						table.write(e.csvLine());
						table.write('\n');
					}
					tiff.write(e.map(), e.label());
					for (int r = 0; r < e.rois().size(); r++) {
						byte[] roi = e.rois().get(r);
						if (redraw[0] == null) redraw[0] = !fraction.equals(topFractionOf(roi));
						if (redraw[0]) roi = redrawn(roi, e.map(), w, h, topFraction);
						if (roi != null) rois.add(e.roiNames().get(r), roi);
					}
				});
				if (part.from() != from || part.to() != to) throw new IOException("The part " + k + " does not hold slices " + (from + 1) + "-" + to + ".");
			}
			table.flush();
			rois.finish();
			zipStream.flush();
			SaveSet.all(set -> { // the three files or none
				tiff.commit();
				csv.commit();
				zip.commit();
				return null;
			});
		}
		m.outputs = outputs.stream().map(o -> o.getFileName().toString()).toList();
	}

	/** The top fraction a map's ROI was drawn with (its property), or null. */
	private static String topFractionOf(byte[] roi) {
		Roi r = ij.io.RoiDecoder.openFromByteArray(roi);
		return r == null ? null : r.getProperty(AttributionSettings.TOP_FRACTION);
	}

	/** A map's ROI drawn again with another top fraction: its name, position, method and target kept; null for a constant map. */
	private static byte[] redrawn(byte[] roi, float[] map, int w, int h, double topFraction) throws IOException {
		Roi old = ij.io.RoiDecoder.openFromByteArray(roi);
		if (old == null) return roi;
		Roi now = RoiWriter.roi(map, w, h, topFraction, old.getProperty("method"), old.getProperty("target"));
		if (now == null) return null;
		now.setName(old.getName());
		if (old.hasHyperStackPosition()) now.setPosition(old.getCPosition(), old.getZPosition(), old.getTPosition());
		else now.setPosition(old.getPosition());
		return RoiWriter.encode(now);
	}

	/** One entry through the model before anything is written: a model that cannot take these images fails here. */
	private static void probe(Classifier classifier, BatchInputs inputs) {
		ImagePlus imp = inputs.open(0);
		ImagePlus one = StackRunner.batchImage(imp, ImagePlusTensors.batches(imp), 0, 1);
		if (TiledExplainer.needsTiles(classifier, one.getHeight(), one.getWidth())) {
			// One tile of the model's size, read as the tiler reads it.
			ImagePlusTiles tiles = new ImagePlusTiles(Models.paletteAsRgb(one, classifier));
			TileGrid grid = TiledExplainer.grid(classifier, one.getHeight(), one.getWidth(), TileGrid.DEFAULT_OVERLAP);
			float[] tile = new float[grid.tileHeight() * grid.tileWidth() * tiles.channels()];
			tiles.read(0, 0, 0, grid.tileHeight(), grid.tileWidth(), tile);
			classifier.normalization().apply(tile, tiles.channels(), tiles.typeMax());
			classifier.probabilities(new FloatTensor(new long[] { 1, grid.tileHeight(), grid.tileWidth(), tiles.channels() }, tile));
			return;
		}
		// the probe only checks that the model runs: the inputs' warnings come once for the run (InputWarnings)
		classifier.probabilities(Models.checkedInput(one, classifier).tensor());
	}

	/**
	 * What the manifest records of the settings, and a resumed run must match: the method and the keys
	 * the registry declares for it (its parameters, each declared once: {@code steps} for Integrated
	 * Gradients, not for Saliency), and the keys the runner reads: {@code target}, {@code operator},
	 * {@code rois}, with ROIs {@code region}, for whole images {@code top_fraction} (their ROIs; a resume
	 * may change it, see {@link BatchManifest#ASSEMBLY_SETTINGS}), and {@code overlap} when images are
	 * explained by tiles. Keys nothing here reads ({@code opacity}, {@code calibration_bar}, {@code output})
	 * are not recorded, so they neither refuse a resume nor make one compute anything again.
	 *
	 * @param tiled whether the images are explained tile by tile (they are not of the model's size)
	 */
	public static Map<String, String> settings(AttributionSettings s, boolean tiled) {
		java.util.Set<String> read = new java.util.HashSet<>(Registry.get(Family.ATTRIBUTION, s.method()).parameters());
		read.addAll(List.of(AttributionSettings.METHOD, AttributionSettings.TARGET, AttributionSettings.OPERATOR, AttributionSettings.ROIS));
		boolean regions = !AttributionSettings.DEFAULT_ROIS.equalsIgnoreCase(s.rois());
		read.add(regions ? AttributionSettings.REGION : AttributionSettings.TOP_FRACTION);
		if (tiled || regions) read.add(AttributionSettings.OVERLAP);
		Map<String, String> options = new java.util.LinkedHashMap<>();
		s.options().forEach((k, v) -> {
			if (read.contains(k)) options.put(k, v);
		});
		return options;
	}

	private static BatchManifest manifest(AttributionSettings s, Classifier classifier, BatchInputs inputs, BatchRois rois, int batch,
		List<Path> outputs) throws IOException {
		BatchManifest m = new BatchManifest();
		m.version = BatchManifest.currentVersion();
		m.roisSha256 = rois == null ? null : rois.sha256();
		m.model = s.model().toAbsolutePath().normalize().toString();
		m.modelSha256 = BatchManifest.hashFolder(s.model());
		m.classes = List.copyOf(classifier.classNames());
		m.settings = settings(s, TiledExplainer.needsTiles(classifier, inputs.height(), inputs.width()));
		m.batch = batch;
		m.entries = inputs.size();
		m.parts = (inputs.size() + batch - 1) / batch;
		m.input = inputs.source().toString();
		m.folder = inputs.isFolder();
		m.inputs = inputs.inputs();
		m.outputs = outputs.stream().map(o -> o.getFileName().toString()).toList();
		return m;
	}

	/** Where the manifest of the finished run that wrote {@code outputs} is kept (named after its first output). */
	private static Path finishedRecord(Path work, List<String> outputs) {
		return work.resolve(FINISHED).resolve(outputs.get(0) + ".json");
	}

	/**
	 * A run finished before the map's RoiSet was named after the map TIFF wrote {@code <base>-RoiSet.zip}
	 * (its record says so): that file is renamed to its new name, so the finished results stand instead of
	 * being computed again. A file of that name the record does not list (Attribution's with output=channel)
	 * is not touched.
	 */
	private static void adoptOldRoiSetName(BatchManifest finished, Path roiSet, Events ev) throws IOException {
		String name = roiSet.getFileName().toString(), tiff = name.substring(0, name.length() - "-RoiSet.zip".length()) + ".tif";
		String oldName = tiff.substring(0, tiff.length() - "-map.tif".length()) + "-RoiSet.zip";
		if (!tiff.endsWith("-map.tif") || !finished.outputs.contains(oldName) || Files.exists(roiSet)) return;
		Path old = roiSet.resolveSibling(oldName);
		if (!Files.isRegularFile(old)) return;
		Files.move(old, roiSet, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
		ev.message("Renamed " + old.getFileName() + " to " + roiSet.getFileName() + ": the map's ROIs are now named after the map TIFF.");
	}

	/**
	 * The finished run that wrote {@code outputs} (file names): its record, else the last run's manifest
	 * when that run finished with the same outputs (save folders of versions before the records); null
	 * when none is known.
	 */
	private static BatchManifest finishedRun(Path work, BatchManifest previous, List<String> outputs) throws IOException {
		Path record = finishedRecord(work, outputs);
		if (Files.isRegularFile(record)) {
			try {
				return BatchManifest.load(record);
			} catch (IOException e) {
				throw new IllegalArgumentException(e.getMessage() + " Add restart to compute these results again.", e);
			}
		}
		return previous != null && previous.complete && previous.outputs.equals(outputs) ? previous : null;
	}

	/** Appends a line and syncs it: the journal says which run computed which part. */
	static void journal(Path file, String line) throws IOException {
		byte[] bytes = (Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + line + "\n").getBytes(StandardCharsets.UTF_8);
		try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
			ByteBuffer b = ByteBuffer.wrap(bytes);
			while (b.hasRemaining()) ch.write(b);
			ch.force(false);
		}
	}

	/** Temporary files of parts whose writing a kill interrupted. */
	static void removeTemporaryFiles(Path dir) throws IOException {
		removeTemporaryFiles(dir, "");
	}

	/** The temporary files in {@code dir} whose names start with {@code prefix}. */
	private static void removeTemporaryFiles(Path dir, String prefix) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			for (Path p : (Iterable<Path>) s.filter(f -> {
				String name = f.getFileName().toString();
				return name.startsWith(prefix) && name.endsWith(AtomicFiles.TEMP_SUFFIX);
			})::iterator) {
				Files.deleteIfExists(p);
			}
		}
	}

	/**
	 * Hidden temporary files of the results (".<name>.<random>.part") that a kill while they were written left
	 * in save_dir: a map stack's can be as large as the stack. This run holds save_dir's lock, so none is in use.
	 */
	private static void removeTemporaryOutputs(List<Path> outputs) throws IOException {
		for (Path o : outputs) removeTemporaryFiles(o.toAbsolutePath().getParent(), "." + o.getFileName() + ".");
	}

	/** Temporary files of tile batches whose writing a kill interrupted. */
	private static void removeTemporaryTiles(Path tilesDir) throws IOException {
		if (!Files.isDirectory(tilesDir)) return;
		try (Stream<Path> s = Files.walk(tilesDir)) {
			for (Path p : (Iterable<Path>) s.filter(f -> f.getFileName().toString().endsWith(AtomicFiles.TEMP_SUFFIX))::iterator) {
				Files.deleteIfExists(p);
			}
		}
	}

	/** The files of an earlier run (not the lock, which this run holds). */
	private static void clear(Path work) throws IOException {
		Folders.deleteTree(work.resolve(PARTS));
		Folders.deleteTree(work.resolve(TILES));
		Files.deleteIfExists(work.resolve(MANIFEST));
		Files.deleteIfExists(work.resolve(JOURNAL));
	}

	/**
	 * One run per save_dir at a time: a lock on {@code .conceptscope-batch/lock}, released by the
	 * operating system when the JVM ends however it ends, so a killed run never leaves it taken.
	 */
	static final class RunLock implements AutoCloseable {

		/** Takes a lock on the channel's file, or null when another process holds it (FileChannel#tryLock). */
		interface Locker {
			FileLock tryLock(FileChannel channel) throws IOException;
		}

		private final FileChannel channel;
		private final FileLock lock;

		private RunLock(FileChannel channel, FileLock lock) {
			this.channel = channel;
			this.lock = lock;
		}

		static RunLock take(Path work) throws IOException {
			return take(work, FileChannel::tryLock);
		}

		static RunLock take(Path work, Locker locker) throws IOException {
			return take(work, JOB, locker);
		}

		/**
		 * @throws IllegalArgumentException when another run holds the lock, or when the file system offers
		 *         no locks (NFS without its lock service, some Lustre and FUSE mounts): one sentence each
		 * @param job the run's name in the sentence ("batch run")
		 */
		static RunLock take(Path work, String job, Locker locker) throws IOException {
			Files.createDirectories(work);
			Path file = work.resolve(LOCK);
			FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = locker.tryLock(ch);
			} catch (OverlappingFileLockException e) {
				lock = null;
			} catch (IOException | UnsupportedOperationException e) {
				ch.close();
				// the folder was just created and the file opened for writing: what failed is the lock itself
				String why = e instanceof IOException io ? IoFailures.reason(io) : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
				throw new IllegalArgumentException("save_dir " + work.getParent() + " is on a file system that offers no file locks (" + why + " on " + file
					+ "), which the batch runner needs so that two runs never work in one save_dir: choose a save_dir on a local disk or on a"
					+ " file system with locks (NFS with its lock service, Lustre mounted with -o flock), and copy the results where you"
					+ " need them.", e);
			}
			if (lock == null) {
				ch.close();
				throw new IllegalArgumentException("Another " + job + " is working in " + work.getParent() + ": let it finish (or stop it)"
					+ " before starting this one, or choose another save_dir.");
			}
			return new RunLock(ch, lock);
		}

		@Override
		public void close() throws IOException {
			lock.release();
			channel.close();
		}
	}
}
