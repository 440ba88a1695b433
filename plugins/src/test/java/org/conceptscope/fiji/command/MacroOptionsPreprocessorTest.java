package org.conceptscope.fiji.command;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.param.CommandSpecs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.Macro;
import ij.macro.Interpreter;
import ij.process.ByteProcessor;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.ItemVisibility;
import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleRunner;
import org.scijava.module.ModuleService;
import org.scijava.module.process.ModulePreprocessor;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.plugin.PluginService;
import org.scijava.service.Service;

/**
 * A ConceptScope command run from an ImageJ 1.x macro, as Fiji runs it: a real SciJava context
 * prepares the command with every preprocessor it knows (what ModuleService.run does) on a thread
 * that has ImageJ macro options ({@code Run$_} threads, as IJ.run gives a macro's command). The
 * macro's keys set the inputs exactly as the ImageJ 1.x plugin reads them (a bare checkbox word is
 * on, {@code steps=} is not {@code training_steps=}), left-out keys keep their defaults even when
 * an earlier preprocessor set them, every input is resolved (nothing left for a dialog), and a
 * misspelt key cancels the command with the plugin's sentence and aborts the macro.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MacroOptionsPreprocessorTest {

	private Context context;

	@TempDir
	Path out;

	@BeforeAll
	void start() {
		context = new Context();
	}

	@AfterAll
	void stop() {
		context.dispose();
	}

	@AfterEach
	void resetImageJ() throws ReflectiveOperationException {
		Interpreter.batchMode = false;
		Field abort = Macro.class.getDeclaredField("abort");
		abort.setAccessible(true);
		abort.setBoolean(null, false);
	}

	/** A command that is not ConceptScope's: left to Fiji's own macro handling. */
	@Plugin(type = Command.class)
	public static class OtherCommand implements Command {
		@Parameter
		public int steps = 1;

		@Override
		public void run() {}
	}

	@Test
	void macroKeysSetTheInputsAsThePluginReadsThemAndEveryInputIsResolved() throws Exception {
		String options = "model=[/models/ihc stain] method=sobol grid=4 per_channel top_fraction=0.2 save_dir=[/out dir]";
		Prepared p = prepare(AttributionCommand.class, options, m -> m.setInput("steps", 150)); // as legacy's Macro.getValue might have
		assertNull(p.canceler(), "not cancelled");
		AttributionSettings s = ((AttributionCommand) p.module().getDelegateObject()).settings();
		assertEquals(AttributionSettings.parse(options).toMacroOptions(), s.toMacroOptions(), "the ImageJ 1.x plugin's parsing");
		assertTrue(s.perChannel(), "a bare checkbox word is on");
		assertEquals(4, s.grid());
		assertEquals(AttributionSettings.DEFAULT_STEPS, s.steps(), "a left-out key takes its default, whatever set it before");
		assertEquals(Path.of("/out dir"), s.saveDir());
		assertEquals(List.of(), unresolved(p.module()), "nothing left for the input harvester's dialog");
		assertNull(p.module().getInput("image"), "no image open: the command says so itself");

		String mege = "model=[/m] metric=mege_reco folder=[/f] training_steps=150";
		Prepared e = prepare(EvaluateExplanationCommand.class, mege, m -> {});
		EvaluationSettings es = ((EvaluateExplanationCommand) e.module().getDelegateObject()).settings();
		assertEquals(150, es.trainingSteps);
		assertEquals(EvaluationSettings.DEFAULT_STEPS, es.steps, "steps= is not found inside training_steps=");
		assertEquals(EvaluationSettings.parse(mege).toMacroOptions(), es.toMacroOptions());
	}

	@Test
	void aMisspeltKeyCancelsWithThePluginsSentenceAndAbortsTheMacro() throws Exception {
		Prepared p = prepare(AttributionCommand.class, "model=[/m] stepz=8", m -> {});
		assertNotNull(p.canceler());
		assertEquals("Unknown option 'stepz'; the keys are: image " + String.join(" ", AttributionSettings.KEYS) + ".",
			p.canceler().getCancelReason());
		Field abort = Macro.class.getDeclaredField("abort");
		abort.setAccessible(true);
		assertTrue(abort.getBoolean(null), "the calling macro is aborted");
	}

	@Test
	void aBadLineGetsTheImageJ1PluginsMessageWithEveryProblem() throws Exception {
		for (String bad : List.of("model=[/m] grid=many", "model=[/m] stepz=8 grid=many seed=1.5", "model=[/m] grid=8 grid=9",
			"image=[x] model=[/m] stepz=1", "model=[/m] per_channel=maybe")) {
			String plugin = Failures.message(assertThrows(IllegalArgumentException.class, () -> CommandSpecs.ATTRIBUTION.parse(
				bad.replace("image=[x] ", ""))));
			Prepared p = prepare(AttributionCommand.class, bad, m -> {});
			assertNotNull(p.canceler(), bad);
			assertEquals(plugin, p.canceler().getCancelReason(), "Fiji's command says what the ImageJ 1.x plugin says: " + bad);
		}
		String whole = prepare(AttributionCommand.class, "model=[/m] grid=many", m -> {}).canceler().getCancelReason();
		assertTrue(whole.startsWith("grid must be a whole number"), whole);
		String three = prepare(AttributionCommand.class, "model=[/m] stepz=8 grid=many seed=1.5", m -> {}).canceler().getCancelReason();
		assertTrue(three.startsWith("3 problems: - ") && three.contains("stepz") && three.contains("grid")
			&& three.contains("seed"), "every problem, not the first: " + three);
	}

	@Test
	void theRecordedLineLeavesTheImageOutAndReplaysInFijiAndImageJ1() throws Exception {
		ImagePlus open = new ImagePlus("patches.tif", new ByteProcessor(16, 16));
		Interpreter.batchMode = true;
		Interpreter.addBatchModeImage(open);
		try {
			String options = "image=[patches.tif] model=[/models/ihc stain] method=sobol grid=4 per_channel save_dir=[/out dir]";
			Prepared p = prepare(AttributionCommand.class, options, m -> {});
			assertNull(p.canceler());
			assertSame(open, p.module().getInput("image"), "image= still picks the image in Fiji");
			assertEquals(ItemVisibility.INVISIBLE, p.module().getInfo().getInput("image").getVisibility(),
				"Fiji's recorder (MacroRecorderPostprocessor) leaves invisible inputs out");
			String line = LegacyRecording.line(p.module());
			assertFalse(line.contains("image="), line);
			AttributionSettings recorded = ((AttributionCommand) p.module().getDelegateObject()).settings();
			// replayed by the ImageJ 1.x plugin (plain ImageJ) and by this command (Fiji)
			assertEquals(recorded.toMacroOptions(), AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(line)).toMacroOptions(), line);
			Prepared replayed = prepare(AttributionCommand.class, line, m -> {});
			assertNull(replayed.canceler(), line);
			assertEquals(recorded.toMacroOptions(), ((AttributionCommand) replayed.module().getDelegateObject()).settings().toMacroOptions());
		} finally {
			Interpreter.removeBatchModeImage(open);
		}
	}

	@Test
	void thePluginsDialogAsksOnlyWhenAUserRunsTheCommand() throws Exception {
		CommandInfo info = context.service(CommandService.class).getCommand(AttributionCommand.class);
		ModuleService modules = context.service(ModuleService.class);
		AtomicReference<Boolean> asks = new AtomicReference<>();
		onMacroThread("main", null, () -> asks.set(PluginDialogPreprocessor.asks(modules.createModule(info), true)));
		assertTrue(asks.get(), "from the menu, with a display: the ImageJ 1.x dialog");
		onMacroThread("main", null, () -> asks.set(PluginDialogPreprocessor.asks(modules.createModule(info), false)));
		assertFalse(asks.get(), "headless: no dialog");
		onMacroThread("Run$_macro", "model=[/m]", () -> asks.set(PluginDialogPreprocessor.asks(modules.createModule(info), true)));
		assertFalse(asks.get(), "a macro's keys: no dialog");
		Interpreter.batchMode = true;
		onMacroThread("main", null, () -> asks.set(PluginDialogPreprocessor.asks(modules.createModule(info), true)));
		assertFalse(asks.get(), "batch mode: no dialog");
		Interpreter.batchMode = false;
		onMacroThread("main", null, () -> {
			Module m = modules.createModule(info);
			m.resolveInput("model"); // a script or --run that gave the model
			asks.set(PluginDialogPreprocessor.asks(m, true));
		});
		assertFalse(asks.get(), "values given by the caller: the harvester asks for the rest, as before");
		onMacroThread("main", null, () -> {
			Module m = modules.createModule(info);
			m.resolveInput("image"); // ActiveImagePlusPreprocessor's current image is not a key
			asks.set(PluginDialogPreprocessor.asks(m, true));
		});
		assertTrue(asks.get());
		onMacroThread("main", null, () -> asks.set(PluginDialogPreprocessor.asks(modules.createModule(
			context.service(CommandService.class).getCommand(OtherCommand.class)), true)));
		assertFalse(asks.get(), "another plugin's command");
	}

	@Test
	void withoutMacroOptionsOrForOtherCommandsNothingChanges() throws Exception {
		Module plain = prepareOn("main", AttributionCommand.class, null, m -> {}).module();
		assertTrue(unresolved(plain).contains("method"), "no macro: the harvester (a dialog in Fiji) asks as before");
		Prepared other = prepare(OtherCommand.class, "steps=5 anything=1", m -> {});
		assertNull(other.canceler(), "another plugin's command is not parsed strictly");
		assertEquals(1, other.module().getInput("steps"));
	}

	@Test
	void imageIsAnOpenImagesTitleAndAFullRunWritesItsFiles() throws Exception {
		ImagePlus open = new ImagePlus("patches.tif", new ByteProcessor(16, 16));
		Interpreter.batchMode = true;
		Interpreter.addBatchModeImage(open);
		try {
			Prepared p = prepare(AttributionCommand.class, "image=[patches.tif] model=[/m]", m -> {});
			assertSame(open, p.module().getInput("image"));
		} finally {
			Interpreter.removeBatchModeImage(open);
		}
		Path model = org.conceptscope.fiji.TestFiles.testImages().resolve("models/ct-tissue");
		AtomicReference<Module> ran = new AtomicReference<>();
		onMacroThread("Run$_macro", "model=[" + model + "] save_dir=[" + out + "]", () -> {
			CommandInfo info = context.service(CommandService.class).getCommand(ModelInfoCommand.class);
			Module m = context.service(ModuleService.class).createModule(info);
			new ModuleRunner(context, m, preprocessors(), List.of()).run();
			ran.set(m);
		});
		assertFalse(((CommandModule) ran.get()).isCanceled(), String.valueOf(((CommandModule) ran.get()).getCancelReason()));
		assertTrue(Files.readString(out.resolve("ct-tissue-info.txt")).contains("Classes (3):"), "the command ran with the macro's keys");
	}

	record Prepared(Module module, ModulePreprocessor canceler) {}

	private Prepared prepare(Class<? extends Command> command, String options, java.util.function.Consumer<Module> before)
		throws Exception {
		return prepareOn("Run$_macro", command, options, before);
	}

	/** Every preprocessor of the context, in priority order, on a thread of this name with these macro options. */
	private Prepared prepareOn(String thread, Class<? extends Command> command, String options, java.util.function.Consumer<Module> before)
		throws Exception {
		CommandInfo info = context.service(CommandService.class).getCommand(command);
		Module module = context.service(ModuleService.class).createModule(info);
		before.accept(module);
		AtomicReference<ModulePreprocessor> canceler = new AtomicReference<>();
		onMacroThread(thread, options, () -> canceler.set(new ModuleRunner(context, module, preprocessors(), List.of()).preProcess()));
		return new Prepared(module, canceler.get());
	}

	private List<PreprocessorPlugin> preprocessors() {
		return context.service(PluginService.class).createInstancesOfType(PreprocessorPlugin.class);
	}

	private static void onMacroThread(String name, String options, Runnable r) throws InterruptedException {
		AtomicReference<Throwable> failed = new AtomicReference<>();
		Thread t = new Thread(() -> {
			if (options != null) Macro.setOptions(Thread.currentThread(), options);
			try {
				r.run();
			} catch (Throwable e) {
				failed.set(e);
			} finally {
				Macro.setOptions(Thread.currentThread(), null);
			}
		}, name);
		t.start();
		t.join();
		if (failed.get() != null) throw new AssertionError(failed.get());
	}

	private static List<String> unresolved(Module m) {
		List<String> out = new java.util.ArrayList<>();
		for (ModuleItem<?> i : m.getInfo().inputs()) {
			if (!Service.class.isAssignableFrom(i.getType()) && !m.isInputResolved(i.getName())) out.add(i.getName());
		}
		return out;
	}
}
