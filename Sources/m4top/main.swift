import App

await Main.run()
