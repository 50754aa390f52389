using Hotline.Cli;

return await Commands.RunAsync(args);
